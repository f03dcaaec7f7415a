using System.Buffers;
using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    internal static partial class Directories
    {
        [LibraryImport(Libc.Name, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial nint opendir(string name);

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static partial nint readdir(nint dir);

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static partial int closedir(nint dir);

        // struct dirent (glibc, x86_64): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
        private const int DNameOffset = 19;

        /// <summary>A directory entry's name (bytes, no NUL) and inode number.</summary>
        internal delegate void EntryVisitor(ReadOnlySpan<byte> name, ulong inode, object? state);

        /// <summary><see cref="ForEachName"/> with each entry's inode number (d_ino).</summary>
        internal static unsafe bool ForEachEntry(string dir, EntryVisitor visit, object? state)
        {
            nint d = opendir(dir);
            if (d == 0) return false;
            try
            {
                nint e;
                while ((e = readdir(d)) != 0)
                {
                    byte* name = (byte*)e + DNameOffset;
                    visit(new ReadOnlySpan<byte>(name, MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).Length), *(ulong*)e, state);
                }
                // readdir's NULL is the end, or an error (errno set; the stub cleared it before the
                // call): a listing cut short by an error is not a whole one (the tree's, which fails closed).
                return LastErrno == 0;
            }
            finally
            {
                closedir(d);
            }
        }

        /// <summary>Calls <paramref name="visit"/> with the name of every entry of <paramref name="dir"/>
        /// (bytes, no NUL; "." and ".." included), reading the directory only: no entry is stat'ed, as
        /// .NET's enumeration does for each symlink. False when the directory cannot be opened or
        /// read to its end.</summary>
        internal static bool ForEachName(string dir, ReadOnlySpanAction<byte, object?> visit, object? state) =>
            ForEachEntry(dir, (name, _, s) => visit(name, s), state);
    }
}
