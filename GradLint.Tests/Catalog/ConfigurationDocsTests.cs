using System.IO;
using System.Linq;
using System.Reflection;
using GradLint.Tests.Infrastructure;
using Xunit;

namespace GradLint.Tests.Catalog
{
    public class ConfigurationDocsTests
    {
        [Fact]
        public void Every_gradlint_editorconfig_key_the_analyzers_read_is_documented()
        {
            var keys = typeof(global::GradLint.Analyzers.GradLintOptions)
                .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (string)f.GetRawConstantValue()!)
                .Where(v => v.StartsWith("gradlint."))
                .ToList();
            Assert.NotEmpty(keys);

            var docs = File.ReadAllText(RepoPaths.Combine("docs", "configuration.md"));
            Assert.All(keys, key => Assert.Contains($"| `{key}` |", docs));
        }
    }
}
