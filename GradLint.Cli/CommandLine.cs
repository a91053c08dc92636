using Microsoft.CodeAnalysis;

namespace GradLint.Cli
{
    /// <summary>What the user asked for. <see cref="Parse"/> throws <see cref="UsageException"/> with the one line to show.</summary>
    public sealed class CommandLine
    {
        public const string Usage = """
            gradlint — GradLint's analyzers and code fixes for TorchSharp code, from the command line

            Usage:
              gradlint check <path>... [options]     report findings
              gradlint fix <path>... [options]       apply the code fixes and print a unified diff

            A path is a solution (.sln, .slnx), a project (.csproj), a folder, a C# file (.cs),
            a C# script (.csx) or a Polyglot notebook (.ipynb, .dib).

            Options:
              --format text|json|sarif   report format (default: text)
              --output <file>            write the report to a file instead of standard output
              --severity error|warning|info
                                         report findings of at least this severity (default: warning);
                                         the exit code counts only these
              --rule <ID>                only this rule (repeatable: --rule GL1001 --rule GL3001)
              --dry-run                  fix: print the diff, write nothing
              --help                     this text
              --version                  the tool's version

            Exit codes: 0 no findings at or above the severity, 1 findings, 2 bad usage or input.
            .editorconfig files next to and above the checked files are honoured (severities, gradlint.* options).
            """;

        public string Command { get; private set; } = "check";

        public List<string> Paths { get; } = new();

        public string Format { get; private set; } = "text";

        public string? Output { get; private set; }

        public DiagnosticSeverity Severity { get; private set; } = DiagnosticSeverity.Warning;

        public HashSet<string>? Rules { get; private set; }

        public bool DryRun { get; private set; }

        public bool Help { get; private set; }

        public bool Version { get; private set; }

        public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlySet<string> knownRules)
        {
            var line = new CommandLine();
            if (args.Count == 0)
            {
                throw new UsageException("no command: use 'gradlint check <path>…' or 'gradlint fix <path>…' (gradlint --help)");
            }

            var i = 0;
            if (args[0] is "--help" or "-h" or "-?")
            {
                line.Help = true;
                return line;
            }

            if (args[0] == "--version")
            {
                line.Version = true;
                return line;
            }

            if (args[0] is not ("check" or "fix"))
            {
                throw new UsageException($"unknown command '{args[0]}': use 'check' or 'fix' (gradlint --help)");
            }

            line.Command = args[0];
            for (i = 1; i < args.Count; i++)
            {
                var arg = args[i];
                switch (arg)
                {
                    case "--help":
                    case "-h":
                        line.Help = true;
                        break;
                    case "--format":
                        line.Format = Value(args, ref i, arg);
                        if (line.Format is not ("text" or "json" or "sarif"))
                        {
                            throw new UsageException($"--format {line.Format}: use text, json or sarif");
                        }

                        break;
                    case "--output":
                    case "-o":
                        line.Output = Value(args, ref i, arg);
                        break;
                    case "--severity":
                        var severity = Value(args, ref i, arg);
                        line.Severity = severity.ToLowerInvariant() switch
                        {
                            "error" => DiagnosticSeverity.Error,
                            "warning" or "warn" => DiagnosticSeverity.Warning,
                            "info" or "note" => DiagnosticSeverity.Info,
                            _ => throw new UsageException($"--severity {severity}: use error, warning or info"),
                        };
                        break;
                    case "--rule":
                        var rule = Value(args, ref i, arg).ToUpperInvariant();
                        if (!knownRules.Contains(rule))
                        {
                            throw new UsageException($"--rule {rule}: no such rule (GradLint's are {string.Join(", ", knownRules.OrderBy(r => r, StringComparer.Ordinal))})");
                        }

                        (line.Rules ??= new HashSet<string>(StringComparer.Ordinal)).Add(rule);
                        break;
                    case "--dry-run":
                        if (line.Command != "fix")
                        {
                            throw new UsageException("--dry-run belongs to 'gradlint fix'");
                        }

                        line.DryRun = true;
                        break;
                    default:
                        if (arg.StartsWith("-", StringComparison.Ordinal) && arg.Length > 1)
                        {
                            throw new UsageException($"unknown option '{arg}' (gradlint --help)");
                        }

                        line.Paths.Add(arg);
                        break;
                }
            }

            if (line.Paths.Count == 0 && !line.Help)
            {
                throw new UsageException($"'gradlint {line.Command}' needs at least one path: a solution, project, folder, .cs, .csx, .ipynb or .dib");
            }

            return line;
        }

        private static string Value(IReadOnlyList<string> args, ref int i, string option)
        {
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"{option} needs a value (gradlint --help)");
            }

            return args[++i];
        }
    }

    /// <summary>Bad usage: the message is the one line the user sees (exit code 2).</summary>
    public sealed class UsageException : Exception
    {
        public UsageException(string message)
            : base(message)
        {
        }
    }
}
