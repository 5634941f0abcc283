using System.Collections;

namespace Yapit.AppHost.Hosting.Resources;

/// <summary>The environment a project process starts with, filled by the resource's environment callbacks.</summary>
public sealed class EnvironmentContext(DistributedApplication application, ProjectResource resource)
{
    /// <summary>Aspire does not pass these from the AppHost to its children (DcpHost).</summary>
    private static readonly string[] NotInherited =
        ["ASPNETCORE_URLS", "DOTNET_LAUNCH_PROFILE", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT"];

    public DistributedApplication Application { get; } = application;
    public ProjectResource Resource { get; } = resource;
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    /// <summary>The AppHost's own environment, then the launch profile's variables where not already set.</summary>
    internal void ApplyInherited(LaunchProfile? profile)
    {
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var key = (string)entry.Key;
            if (!NotInherited.Contains(key, StringComparer.OrdinalIgnoreCase) && !Application.Options.ExcludedEnvironment.Contains(key))
            {
                Variables[key] = (string?)entry.Value ?? string.Empty;
            }
        }
        if (profile is null)
        {
            return;
        }
        Variables["DOTNET_LAUNCH_PROFILE"] = profile.Name;
        foreach (var (key, value) in profile.EnvironmentVariables)
        {
            Variables.TryAdd(key, value);
        }
    }
}
