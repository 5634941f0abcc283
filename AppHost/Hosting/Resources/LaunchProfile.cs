using System.Text.Json;

namespace Yapit.AppHost.Hosting.Resources;

/// <summary>
/// The project's launch profile (Properties/launchSettings.json): Aspire applies its environment variables
/// (add-if-absent) and turns its applicationUrl into the project's default endpoint.
/// </summary>
public sealed record LaunchProfile(string Name, IReadOnlyDictionary<string, string> EnvironmentVariables, IReadOnlyList<Uri> ApplicationUrls)
{
    public static LaunchProfile? Read(string projectDirectory, string? preferred = "http")
    {
        var path = Path.Combine(projectDirectory, "Properties", "launchSettings.json");
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("profiles", out var profiles))
        {
            return null;
        }

        JsonProperty? chosen = null;
        foreach (var profile in profiles.EnumerateObject())
        {
            var isProject = profile.Value.TryGetProperty("commandName", out var command) && command.GetString() == "Project";
            if (isProject && (profile.Name == preferred || chosen is null))
            {
                chosen = profile;
            }
        }
        if (chosen is not { } selected)
        {
            return null;
        }

        var variables = new Dictionary<string, string>();
        if (selected.Value.TryGetProperty("environmentVariables", out var env))
        {
            foreach (var variable in env.EnumerateObject())
            {
                variables[variable.Name] = variable.Value.GetString() ?? string.Empty;
            }
        }
        var urls = selected.Value.TryGetProperty("applicationUrl", out var applicationUrl) && applicationUrl.GetString() is { } value
            ? value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToArray()
            : [];
        return new LaunchProfile(selected.Name, variables, urls);
    }
}
