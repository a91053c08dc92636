using System;
using System.IO;

namespace GradLint.Engine
{
    /// <summary>The guard's parts save and load themselves through a <see cref="BinaryWriter"/>; this keeps such a state as bytes in memory (snapshots, checkpoints, an undo).</summary>
    internal static class StateBytes
    {
        public static byte[] Write(Action<BinaryWriter> save)
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream))
            {
                save(writer);
            }

            return stream.ToArray();
        }

        public static void Read(byte[] bytes, Action<BinaryReader> load)
        {
            using var reader = new BinaryReader(new MemoryStream(bytes));
            load(reader);
        }
    }
}
