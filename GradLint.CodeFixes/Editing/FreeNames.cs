using System.Collections.Generic;
using System.Linq;
using GradLint.Analyzers.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GradLint.CodeFixes.Editing
{
    /// <summary>Names for the locals a fix declares, free where they go.</summary>
    internal static class FreeNames
    {
        /// <summary>
        /// <paramref name="baseName"/>, or <c>baseName2</c>, … when a symbol of that name is visible at
        /// <paramref name="at"/> or declared anywhere in its function (a later declaration would clash too).
        /// </summary>
        public static string Pick(SyntaxNode at, SemanticModel model, string baseName)
        {
            var function = SyntaxScopes.EnclosingFunctionOrScript(at) ?? at;
            var declared = new HashSet<string>(function.DescendantNodes().Select(n => n switch
            {
                VariableDeclaratorSyntax v => v.Identifier.ValueText,
                SingleVariableDesignationSyntax d => d.Identifier.ValueText,
                ParameterSyntax p => p.Identifier.ValueText,
                ForEachStatementSyntax f => f.Identifier.ValueText,
                _ => null,
            }).Where(n => n is not null)!);
            for (int i = 1; ; i++)
            {
                var name = i == 1 ? baseName : baseName + i;
                if (!declared.Contains(name) && model.LookupSymbols(at.SpanStart, name: name).IsEmpty)
                {
                    return name;
                }
            }
        }
    }
}
