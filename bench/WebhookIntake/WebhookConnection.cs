using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Yapit.Bench.WebhookIntake;

/// <summary>
/// One keep-alive HTTP/1.1 connection to the gateway, used by one sender thread at a time: the request goes out in
/// one <c>sendmsg</c> (head and body), the answer is read with blocking receives until its Content-Length or the
/// last chunk. It is as lean as a client can be, like pgbench's: on 2 shared cores every microsecond the load
/// generator spends is taken from the gateway and Postgres it measures (HttpClient cost 0.33-0.38 core at peak,
/// pgbench's client 0.1; bench/README.md).
/// </summary>
public sealed class WebhookConnection(IPEndPoint endpoint, string path) : IDisposable
{
    public sealed record Answer(int Status, string Body);

    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly List<ArraySegment<byte>> _segments = new(2);
    private Socket? _socket;

    /// <summary>POSTs <paramref name="body"/> as JSON with the given Stripe-Signature. Throws IOException/SocketException when the connection fails (it is then reopened by the next call).</summary>
    public Answer Post(byte[] body, string signature)
    {
        var socket = _socket ??= Connect();
        try
        {
            var head = Encoding.ASCII.GetBytes(
                $"POST {path} HTTP/1.1\r\nHost: {endpoint}\r\nUser-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n" +
                $"Content-Type: application/json; charset=utf-8\r\nStripe-Signature: {signature}\r\nContent-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\n\r\n");
            _segments.Clear();
            _segments.Add(head);
            _segments.Add(body);
            var sent = socket.Send(_segments);
            if (sent != head.Length + body.Length)
            {
                // sendmsg on a blocking socket sends everything unless interrupted; a short send is a broken connection.
                throw new IOException($"sent {sent} of {head.Length + body.Length} bytes");
            }
            var answer = ReadAnswer(socket, out var keepAlive);
            if (!keepAlive)
            {
                Close();
            }
            return answer;
        }
        catch
        {
            Close();
            throw;
        }
    }

    private Socket Connect()
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = 30_000,
            SendTimeout = 30_000,
        };
        socket.Connect(endpoint);
        return socket;
    }

    private Answer ReadAnswer(Socket socket, out bool keepAlive)
    {
        var filled = 0;
        int headEnd;
        while ((headEnd = _buffer.AsSpan(0, filled).IndexOf(HeaderEnd)) < 0)
        {
            filled += Receive(socket, filled);
        }
        var head = Encoding.ASCII.GetString(_buffer, 0, headEnd);
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ') is [_, var code, ..] && int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new IOException($"not an HTTP status line: '{lines[0]}'");
        long? contentLength = null;
        var chunked = false;
        keepAlive = true;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            var name = line.AsSpan(0, colon).Trim();
            var value = line.AsSpan(colon + 1).Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                keepAlive = !value.Equals("close", StringComparison.OrdinalIgnoreCase);
            }
        }

        var start = headEnd + HeaderEnd.Length;
        if (chunked)
        {
            return new Answer(status, ReadChunked(socket, start, filled));
        }
        var length = (int)(contentLength ?? 0);
        if (start + length > _buffer.Length)
        {
            throw new IOException($"answer of {length} bytes is larger than the {_buffer.Length}-byte buffer");
        }
        while (filled < start + length)
        {
            filled += Receive(socket, filled);
        }
        return new Answer(status, Encoding.UTF8.GetString(_buffer, start, length));
    }

    /// <summary>A chunked body: hex size line, data, CRLF, until the zero-size chunk and its final CRLF.</summary>
    private string ReadChunked(Socket socket, int position, int filled)
    {
        var body = new StringBuilder();
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(position, filled - position).IndexOf("\r\n"u8)) < 0)
            {
                filled += Receive(socket, filled);
            }
            var sizeText = Encoding.ASCII.GetString(_buffer, position, lineEnd).Split(';')[0];
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position += lineEnd + 2;
            // The chunk's data and the CRLF after it (for the last chunk: the empty trailer's CRLF).
            while (filled < position + size + 2)
            {
                filled += Receive(socket, filled);
            }
            body.Append(Encoding.UTF8.GetString(_buffer, position, size));
            position += size + 2;
            if (size == 0)
            {
                return body.ToString();
            }
        }
    }

    private int Receive(Socket socket, int filled)
    {
        if (filled == _buffer.Length)
        {
            throw new IOException($"answer larger than the {_buffer.Length}-byte buffer");
        }
        var read = socket.Receive(_buffer, filled, _buffer.Length - filled, SocketFlags.None);
        return read > 0 ? read : throw new IOException("the gateway closed the connection");
    }

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
    }

    public void Dispose() => Close();
}
