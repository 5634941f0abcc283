namespace Yapit.AppHost.Hosting;

/// <summary>Receives every line a resource writes, prefixed by the resource name by whoever displays it.</summary>
public interface IResourceLogSink
{
    void Write(string resource, string line, bool isError);
}

/// <summary>Writes <c>name | line</c> to the console, one colour per resource when the output is a terminal.</summary>
public sealed class ConsoleLogSink : IResourceLogSink
{
    private static readonly ConsoleColor[] Palette =
        [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Magenta, ConsoleColor.Yellow, ConsoleColor.Blue, ConsoleColor.DarkCyan, ConsoleColor.DarkYellow];

    private readonly Dictionary<string, ConsoleColor> _colours = [];
    private readonly Lock _gate = new();
    private readonly bool _useColour = !Console.IsOutputRedirected;

    public int NameWidth { get; set; } = 14;

    public void Write(string resource, string line, bool isError)
    {
        lock (_gate)
        {
            var prefix = resource.PadRight(NameWidth) + " | ";
            if (_useColour)
            {
                if (!_colours.TryGetValue(resource, out var colour))
                {
                    colour = Palette[_colours.Count % Palette.Length];
                    _colours[resource] = colour;
                }
                Console.ForegroundColor = colour;
                Console.Write(prefix);
                Console.ResetColor();
                Console.WriteLine(line);
            }
            else
            {
                Console.WriteLine(prefix + line);
            }
        }
    }
}

/// <summary>Keeps lines in memory and forwards them (tests use it to show child logs in their output).</summary>
public sealed class CallbackLogSink(Action<string> write) : IResourceLogSink
{
    public void Write(string resource, string line, bool isError) => write($"{resource} | {line}");
}
