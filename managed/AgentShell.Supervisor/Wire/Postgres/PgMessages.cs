using System.Buffers.Binary;
using System.Text;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>The few messages the relay builds itself, and the readers of the fields it inspects.
/// Layouts: protocol.sgml, "Message Formats".</summary>
internal static class PgMessages
{
    /// <summary>An ErrorResponse (or with <paramref name="severity"/> FATAL, the last message of a
    /// session): S/V severity, C code, M message, optional D detail and H hint.</summary>
    internal static byte[] Error(string severity, string sqlState, string message, string? detail = null, string? hint = null)
    {
        var body = new List<byte>(256);
        void Field(char code, string value)
        {
            body.Add((byte)code);
            // The client decodes in its client_encoding; keep the relay's own text ASCII-safe there.
            body.AddRange(Encoding.UTF8.GetBytes(value.Replace('\0', ' ')));
            body.Add(0);
        }
        Field('S', severity);
        Field('V', severity);
        Field('C', sqlState);
        Field('M', message);
        if (detail != null) Field('D', detail);
        if (hint != null) Field('H', hint);
        body.Add(0);
        return Frame((byte)'E', [.. body]);
    }

    /// <summary>A Query message carrying <paramref name="text"/>.</summary>
    internal static byte[] Query(string text) => Frame((byte)'Q', [.. Encoding.ASCII.GetBytes(text), 0]);

    /// <summary>A Parse of statement <paramref name="name"/> with <paramref name="text"/> and no parameter types.</summary>
    internal static byte[] Parse(ReadOnlySpan<byte> name, string text) => Frame((byte)'P', [.. name, 0, .. Encoding.ASCII.GetBytes(text), 0, 0, 0]);

    private static byte[] Frame(byte type, byte[] body)
    {
        var m = new byte[5 + body.Length];
        m[0] = type;
        BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(1), body.Length + 4);
        body.CopyTo(m, 5);
        return m;
    }

    /// <summary>The NUL-terminated string at the start of <paramref name="s"/>; false when there is no NUL.</summary>
    internal static bool CString(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> value, out int next)
    {
        int nul = s.IndexOf((byte)0);
        value = nul < 0 ? default : s[..nul];
        next = nul + 1;
        return nul >= 0;
    }

    /// <summary>The statement text of a Query body: one string that ends exactly at the message's
    /// end (the server rejects anything after it).</summary>
    internal static bool QueryText(ReadOnlySpan<byte> body, out ReadOnlySpan<byte> text) =>
        CString(body, out text, out int next) && next == body.Length;

    /// <summary>The statement name and text of a Parse body; the parameter types must fill the rest.</summary>
    internal static bool ParseText(ReadOnlySpan<byte> body, out ReadOnlySpan<byte> text)
    {
        text = default;
        if (!CString(body, out _, out int a) || !CString(body[a..], out text, out int b)) return false;
        var rest = body[(a + b)..];
        if (rest.Length < 2) return false;
        int types = BinaryPrimitives.ReadInt16BigEndian(rest);
        return types >= 0 && rest.Length == 2 + 4 * types;
    }

    /// <summary>The function object id of a FunctionCall body.</summary>
    internal static bool FunctionOid(ReadOnlySpan<byte> body, out uint oid)
    {
        oid = 0;
        if (body.Length < 4) return false;
        oid = BinaryPrimitives.ReadUInt32BigEndian(body);
        return true;
    }

    /// <summary>The value of one field (<c>M</c>, <c>C</c>, ...) of an ErrorResponse/NoticeResponse body.</summary>
    internal static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> body, byte code)
    {
        while (body.Length > 0 && body[0] != 0)
        {
            byte f = body[0];
            if (!CString(body[1..], out var value, out int next)) return default;
            if (f == code) return value;
            body = body[(1 + next)..];
        }
        return default;
    }
}
