namespace GradLint.Cli.Inputs
{
    /// <summary>
    /// The paths given on the command line, sorted by what they are: solutions and projects (loaded through
    /// MSBuild with their real references), loose C# files (compiled together against the TorchSharp the tool
    /// carries), and scripts and notebooks (each its own script). A folder contributes every <c>.cs</c> file
    /// under it (bin/ and obj/ left out) as one compilation, and every <c>.csx</c>, <c>.ipynb</c> and <c>.dib</c>.
    /// </summary>
    public sealed class InputSet
    {
        private static readonly string[] ScriptExtensions = { ".csx", ".ipynb", ".dib" };

        public List<string> Projects { get; } = new();

        /// <summary>Groups of loose C# files, each compiled together (a folder, or the files named one by one).</summary>
        public List<List<string>> LooseFiles { get; } = new();

        public List<(string Path, SourceKind Kind)> Scripts { get; } = new();

        public bool IsEmpty => Projects.Count == 0 && LooseFiles.Count == 0 && Scripts.Count == 0;

        /// <summary>Sorts <paramref name="paths"/>; throws <see cref="InputException"/> for one that does not exist or is of no known kind.</summary>
        public static InputSet Resolve(IEnumerable<string> paths)
        {
            var set = new InputSet();
            var namedFiles = new List<string>();
            foreach (var given in paths)
            {
                var path = System.IO.Path.GetFullPath(given);
                if (Directory.Exists(path))
                {
                    var files = Directory.EnumerateFiles(path, "*.*", SearchOption.AllDirectories)
                        .Where(f => !IsBuildOutput(System.IO.Path.GetRelativePath(path, f)))
                        .OrderBy(f => f, StringComparer.Ordinal)
                        .ToList();
                    var sources = files.Where(f => f.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)).ToList();
                    if (sources.Count > 0)
                    {
                        set.LooseFiles.Add(sources);
                    }

                    foreach (var script in files.Where(f => ScriptExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant())))
                    {
                        set.Scripts.Add((script, KindOf(script)!.Value));
                    }

                    continue;
                }

                if (!File.Exists(path))
                {
                    throw new InputException($"{given}: no such file or folder");
                }

                switch (System.IO.Path.GetExtension(path).ToLowerInvariant())
                {
                    case ".sln":
                    case ".slnx":
                    case ".csproj":
                        set.Projects.Add(path);
                        break;
                    case ".cs":
                        namedFiles.Add(path);
                        break;
                    case ".csx":
                    case ".ipynb":
                    case ".dib":
                        set.Scripts.Add((path, KindOf(path)!.Value));
                        break;
                    default:
                        throw new InputException($"{given}: not something gradlint checks (a .sln, .slnx, .csproj, folder, .cs, .csx, .ipynb or .dib)");
                }
            }

            if (namedFiles.Count > 0)
            {
                set.LooseFiles.Add(namedFiles);
            }

            return set;
        }

        private static SourceKind? KindOf(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csx" => SourceKind.Script,
            ".ipynb" => SourceKind.Notebook,
            ".dib" => SourceKind.DibNotebook,
            ".cs" => SourceKind.CSharpFile,
            _ => null,
        };

        private static bool IsBuildOutput(string relativePath) =>
            relativePath.Split('/', '\\').Any(part => part is "bin" or "obj" or ".git" or "node_modules" or ".ipynb_checkpoints");
    }
}
