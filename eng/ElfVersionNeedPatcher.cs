using System;
using System.IO;
using System.Text;

// Inline MSBuild task (RoslynCodeTaskFactory): marks one ELF version requirement weak.
// Used by eng/TorchSharpNativePatch.targets; see the comment there for why.
public class GradLintMakeElfVersionNeedWeak : Microsoft.Build.Utilities.Task
{
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; }
    public string VersionName { get; set; }

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6", "/usr/local/lib64/libstdc++.so.6", "/usr/local/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        string systemLib = null;
        foreach (var candidate in LibStdCxxCandidates)
        {
            if (File.Exists(candidate)) { systemLib = candidate; break; }
        }
        if (systemLib != null && Contains(File.ReadAllBytes(systemLib), Encoding.ASCII.GetBytes(VersionName + "\0")))
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                "GradLint: " + systemLib + " provides " + VersionName + "; TorchSharp's native library needs no patch.");
            return true;
        }

        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var bytes = File.ReadAllBytes(path);
                var result = MarkWeak(bytes, VersionName);
                if (result == "patched")
                {
                    // Write to a new file and move it over the old one: a hard link to the NuGet
                    // cache (if the copy was one) is broken instead of written through.
                    var lastWrite = File.GetLastWriteTimeUtc(path);
                    var temp = path + ".gradlint-tmp";
                    File.WriteAllBytes(temp, bytes);
                    File.Delete(path);
                    File.Move(temp, path);
                    // Keep the timestamp so incremental copies see the file as unchanged.
                    File.SetLastWriteTimeUtc(path, lastWrite);
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                        "GradLint: the system libstdc++ (" + (systemLib ?? "not found") + ") lacks " + VersionName +
                        "; marked that version requirement weak in " + path + " so TorchSharp loads.");
                }
                else if (result == "already")
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        "GradLint: " + path + " already has its " + VersionName + " requirement marked weak.");
                }
                else
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        "GradLint: " + path + " does not require " + VersionName + " (" + result + "); left as it is.");
                }
            }
            catch (Exception ex)
            {
                Log.LogWarning("GradLint: could not patch " + path + ": " + ex.Message +
                    ". TorchSharp may fail to load on systems whose libstdc++ lacks " + VersionName + ".");
            }
        }
        return !Log.HasLoggedErrors;
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    // Returns "patched", "already", or a reason why nothing was changed.
    static string MarkWeak(byte[] elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            return "not an ELF file";
        if (elf[4] != 2 || elf[5] != 1) return "not a 64-bit little-endian ELF file";

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, (int)sh + 0x2C);   // sh_info: number of Verneed entries
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);

            long need = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadCString(elf, name) == versionName)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlgWeak) != 0) return "already";
                        flags |= VerFlgWeak;
                        elf[aux + 4] = (byte)(flags & 0xff);
                        elf[aux + 5] = (byte)(flags >> 8);
                        return "patched";
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
            return "no such version requirement";
        }
        return "no .gnu.version_r section";
    }

    static string ReadCString(byte[] bytes, long start)
    {
        long end = start;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }
}
