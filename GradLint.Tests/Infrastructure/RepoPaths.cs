using System;
using System.IO;

namespace GradLint.Tests.Infrastructure
{
    /// <summary>Finds files of this repository from the test's output folder.</summary>
    public static class RepoPaths
    {
        public static string Root { get; } = FindRoot();

        public static string Combine(params string[] parts) => Path.Combine(Root, Path.Combine(parts));

        private static string FindRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "GradLint.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"GradLint.sln not found above {AppContext.BaseDirectory}; run the tests from the repository.");
        }
    }
}
