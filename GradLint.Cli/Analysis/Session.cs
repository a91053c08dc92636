using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using GradLint.Cli.Checking;
using GradLint.Cli.Inputs;
using Microsoft.Build.Locator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.MSBuild;
using Microsoft.CodeAnalysis.Text;

namespace GradLint.Cli.Analysis
{
    /// <summary>A Roslyn project to check, and where each of its documents came from.</summary>
    public sealed class CheckedProject
    {
        internal CheckedProject(Solution solution, ProjectId id, IReadOnlyDictionary<DocumentId, ScriptFile?> documents)
        {
            Original = solution;
            Current = solution;
            Id = id;
            Documents = documents;
        }

        public ProjectId Id { get; }

        /// <summary>The documents findings are reported on: a plain file (null) or the script/notebook it was assembled from.</summary>
        public IReadOnlyDictionary<DocumentId, ScriptFile?> Documents { get; }

        /// <summary>The solution as loaded.</summary>
        public Solution Original { get; }

        /// <summary>The solution with the fixes made so far (nothing is written to disk until the caller does).</summary>
        public Solution Current { get; set; }

        public Project Project => Current.GetProject(Id)!;
    }

    /// <summary>
    /// The workspaces of one run: an MSBuild workspace for solutions and projects (real references, the
    /// projects' own .editorconfig files), an ad-hoc one for loose files, scripts and notebooks (the tool's
    /// framework and TorchSharp references, and the .editorconfig files above each file).
    /// </summary>
    public sealed class Session : IDisposable
    {
        private const string ImplicitUsings =
            "global using global::System;\nglobal using global::System.Collections.Generic;\nglobal using global::System.IO;\nglobal using global::System.Linq;\n" +
            "global using global::System.Net.Http;\nglobal using global::System.Threading;\nglobal using global::System.Threading.Tasks;\n";

        private readonly AdhocWorkspace adhoc = new();
        private MSBuildWorkspace? msbuild;

        private Session()
        {
        }

        public List<CheckedProject> Projects { get; } = new();

        /// <summary>Problems MSBuild reported while loading (a project that does not build, a missing SDK), for the user.</summary>
        public List<string> LoadWarnings { get; } = new();

        public static async Task<Session> OpenAsync(InputSet inputs, Progress progress, CancellationToken cancellationToken)
        {
            var session = new Session();
            try
            {
                var references = TorchSharpReferences.ForRunningProcess();
                foreach (var group in inputs.LooseFiles)
                {
                    session.AddLooseFiles(group, references);
                }

                foreach (var (path, kind) in inputs.Scripts)
                {
                    session.AddScript(Notebooks.Read(path, kind), references);
                }

                foreach (var project in inputs.Projects)
                {
                    using (progress.Step($"Loading {System.IO.Path.GetFileName(project)} with MSBuild"))
                    {
                        await session.AddMSBuildAsync(project, cancellationToken).ConfigureAwait(false);
                    }
                }

                return session;
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            adhoc.Dispose();
            msbuild?.Dispose();
        }

        private void AddLooseFiles(List<string> files, IReadOnlyList<MetadataReference> references)
        {
            var project = NewAdhocProject("Files", SourceCodeKind.Regular, references);
            var documents = new Dictionary<DocumentId, ScriptFile?>();
            foreach (var file in files)
            {
                var document = project.AddDocument(System.IO.Path.GetFileName(file), SourceText.From(File.ReadAllText(file)), filePath: file);
                documents[document.Id] = null;
                project = document.Project;
            }

            project = project.AddDocument("GradLint.ImplicitUsings.g.cs", SourceText.From(ImplicitUsings), filePath: System.IO.Path.Combine(System.IO.Path.GetDirectoryName(files[0])!, "obj", "GradLint.ImplicitUsings.g.cs")).Project;
            project = AddEditorConfigs(project, files);
            Apply(project, documents);
        }

        private void AddScript(ScriptFile script, IReadOnlyList<MetadataReference> references)
        {
            if (script.Cells.Count == 0)
            {
                return;   // a notebook with no C# cells
            }

            var project = NewAdhocProject(System.IO.Path.GetFileName(script.Path), SourceCodeKind.Script, references);

            // Documents are named <file>.cs so that the [*.cs] sections of .editorconfig apply to them.
            var document = project.AddDocument(System.IO.Path.GetFileName(script.Path) + ".cs", SourceText.From(script.Text), filePath: script.Path + ".cs")
                .WithSourceCodeKind(SourceCodeKind.Script);
            project = AddEditorConfigs(document.Project, new[] { script.Path });
            Apply(project, new Dictionary<DocumentId, ScriptFile?> { [document.Id] = script });
        }

        private Project NewAdhocProject(string name, SourceCodeKind kind, IReadOnlyList<MetadataReference> references)
        {
            var info = ProjectInfo.Create(
                ProjectId.CreateNewId(name),
                VersionStamp.Create(),
                name,
                name,
                LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
                parseOptions: new CSharpParseOptions(LanguageVersion.Latest, kind: kind),
                metadataReferences: references,
                isSubmission: kind == SourceCodeKind.Script);
            return adhoc.CurrentSolution.AddProject(info).GetProject(info.Id)!;
        }

        // Every .editorconfig from each file's folder up to the file system root or one that says root = true.
        private static Project AddEditorConfigs(Project project, IEnumerable<string> files)
        {
            var found = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                for (var folder = System.IO.Path.GetDirectoryName(file); folder is not null; folder = System.IO.Path.GetDirectoryName(folder))
                {
                    var config = System.IO.Path.Combine(folder, ".editorconfig");
                    if (File.Exists(config))
                    {
                        found.Add(config);
                        if (File.ReadLines(config).Any(l => l.Replace(" ", string.Empty).Equals("root=true", StringComparison.OrdinalIgnoreCase)))
                        {
                            break;
                        }
                    }
                }
            }

            foreach (var config in found)
            {
                project = project.AddAnalyzerConfigDocument(".editorconfig", SourceText.From(File.ReadAllText(config)), filePath: config).Project;
            }

            return project;
        }

        private void Apply(Project project, Dictionary<DocumentId, ScriptFile?> documents)
        {
            if (!adhoc.TryApplyChanges(project.Solution))
            {
                throw new InvalidOperationException("could not create the workspace for " + project.Name);
            }

            Projects.Add(new CheckedProject(adhoc.CurrentSolution, project.Id, documents));
        }

        private async Task AddMSBuildAsync(string path, CancellationToken cancellationToken)
        {
            RegisterMSBuild();
            RestoreIfNeeded(path);
            if (msbuild is null)
            {
                msbuild = MSBuildWorkspace.Create();
                msbuild.WorkspaceFailed += (_, e) =>
                {
                    if (e.Diagnostic.Kind == WorkspaceDiagnosticKind.Failure)
                    {
                        LoadWarnings.Add(e.Diagnostic.Message);
                    }
                };
            }

            var before = msbuild.CurrentSolution.ProjectIds.ToHashSet();
            switch (System.IO.Path.GetExtension(path).ToLowerInvariant())
            {
                case ".sln":
                    await msbuild.OpenSolutionAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
                    break;
                case ".slnx":
                    foreach (var project in SlnxProjects(path))
                    {
                        if (!msbuild.CurrentSolution.Projects.Any(p => string.Equals(p.FilePath, project, StringComparison.Ordinal)))
                        {
                            await msbuild.OpenProjectAsync(project, cancellationToken: cancellationToken).ConfigureAwait(false);
                        }
                    }

                    break;
                default:
                    if (!msbuild.CurrentSolution.Projects.Any(p => string.Equals(p.FilePath, path, StringComparison.Ordinal)))
                    {
                        await msbuild.OpenProjectAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }

                    break;
            }

            foreach (var project in msbuild.CurrentSolution.Projects.Where(p => !before.Contains(p.Id) && p.Language == LanguageNames.CSharp))
            {
                var documents = project.Documents
                    .Where(d => d.FilePath is not null && !IsGenerated(d.FilePath, project.FilePath))
                    .ToDictionary(d => d.Id, d => (ScriptFile?)null);
                if (documents.Count == 0 && project.FilePath is { } projectFile && SourceFilesBeside(projectFile) is var onDisk && onDisk > 0)
                {
                    // Never a silent pass: MSBuild returned no source files for a project that has some.
                    throw new InputException($"{System.IO.Path.GetFileName(projectFile)}: MSBuild loaded no source files, but its folder has {onDisk} .cs file(s); check that the project builds with 'dotnet build', or pass the folder instead");
                }

                Projects.Add(new CheckedProject(msbuild.CurrentSolution, project.Id, documents));
            }
        }

        private static int SourceFilesBeside(string projectFile) =>
            Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(projectFile)!, "*.cs", SearchOption.AllDirectories)
                .Count(f => !IsGenerated(f, projectFile));

        private static bool IsGenerated(string documentPath, string? projectPath)
        {
            var folder = projectPath is null ? null : System.IO.Path.GetDirectoryName(projectPath);
            var relative = folder is null ? documentPath : System.IO.Path.GetRelativePath(folder, documentPath);
            return relative.Split('/', '\\').Any(part => part is "obj" or "bin");
        }

        private static List<string> SlnxProjects(string path)
        {
            XDocument solution;
            try
            {
                solution = XDocument.Load(path);
            }
            catch (System.Xml.XmlException e)
            {
                throw new InputException($"{path}: not a solution: {e.Message}");
            }

            var folder = System.IO.Path.GetDirectoryName(path)!;
            return solution.Descendants("Project")
                .Select(p => (string?)p.Attribute("Path"))
                .Where(p => p is not null && p.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
                .Select(p => System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, p!.Replace('\\', System.IO.Path.DirectorySeparatorChar))))
                .ToList();
        }

        // MSBuild has to be found before any of its types load; kept out of line so the JIT does not load them early.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RegisterMSBuild()
        {
            // With MSBUILDNOINPROCNODE=1 (set by many CI systems) the workspace's design-time build runs its targets
            // in another node and gets no Compile items back: the project loads with no source files and the check
            // passes on nothing. The build host inherits this process's environment, so clear it here.
            Environment.SetEnvironmentVariable("MSBUILDNOINPROCNODE", null);
            if (!MSBuildLocator.IsRegistered)
            {
                MSBuildLocator.RegisterDefaults();
            }
        }

        // A project that was never restored has no references to load; restore it as `dotnet build` would.
        private static void RestoreIfNeeded(string path)
        {
            var projects = System.IO.Path.GetExtension(path).Equals(".csproj", StringComparison.OrdinalIgnoreCase) ? new[] { path } : Array.Empty<string>();
            var needs = projects.Length == 0 || projects.Any(p => !File.Exists(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(p)!, "obj", "project.assets.json")));
            if (!needs)
            {
                return;
            }

            var start = new ProcessStartInfo("dotnet", $"restore \"{path}\" --verbosity quiet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InputException($"{path}: 'dotnet restore' failed: {(output.Result + error.Result).Trim().Split('\n').LastOrDefault()}");
            }
        }
    }
}
