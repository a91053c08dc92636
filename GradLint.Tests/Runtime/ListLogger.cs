using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace GradLint.Tests.Runtime
{
    /// <summary>An <see cref="ILogger"/> that keeps every entry with its structured fields, for the guard's logging tests.</summary>
    internal sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, Dictionary<string, object?> Fields, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = (state as IEnumerable<KeyValuePair<string, object?>>)?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? new();
            Entries.Add((logLevel, fields, formatter(state, exception)));
        }
    }
}
