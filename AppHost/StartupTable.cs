using System.Text;
using Yapit.AppHost.Hosting;
using Yapit.AppHost.Hosting.Resources;

namespace Yapit.AppHost;

/// <summary>The table printed once the stack is up: resource, state, URL.</summary>
public static class StartupTable
{
    public static string Render(DistributedApplication app, IEnumerable<(string Name, string Value)>? extras = null)
    {
        var rows = app.Resources.Select(resource =>
        {
            var snapshot = app.ResourceNotifications.Get(resource.Name);
            var state = snapshot.State switch
            {
                ResourceState.Finished => $"Finished ({snapshot.ExitCode})",
                _ when snapshot.Health is { } health => $"{snapshot.State}, {health}",
                _ => snapshot.State.ToString(),
            };
            return (resource.Name, resource.Type, state, resource.Describe() ?? string.Empty);
        }).ToList();

        var nameWidth = Math.Max("Resource".Length, rows.Max(r => r.Name.Length));
        var typeWidth = Math.Max("Type".Length, rows.Max(r => r.Type.Length));
        var stateWidth = Math.Max("State".Length, rows.Max(r => r.state.Length));

        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"  {"Resource".PadRight(nameWidth)}  {"Type".PadRight(typeWidth)}  {"State".PadRight(stateWidth)}  URL");
        text.AppendLine($"  {new string('-', nameWidth)}  {new string('-', typeWidth)}  {new string('-', stateWidth)}  {new string('-', 30)}");
        foreach (var (name, type, state, url) in rows)
        {
            text.AppendLine($"  {name.PadRight(nameWidth)}  {type.PadRight(typeWidth)}  {state.PadRight(stateWidth)}  {url}");
        }
        foreach (var (name, value) in extras ?? [])
        {
            text.AppendLine($"  {name}: {value}");
        }
        return text.ToString();
    }
}
