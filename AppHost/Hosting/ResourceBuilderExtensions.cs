using System.Security.Cryptography;
using Yapit.AppHost.Hosting.Resources;

namespace Yapit.AppHost.Hosting;

/// <summary>The fluent verbs of Aspire's app model, with Aspire's meaning.</summary>
public static class ResourceBuilderExtensions
{
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, server.Resource, databaseName ?? name);
        server.Resource.Databases.Add(database);
        return server.ApplicationBuilder.AddResource(database);
    }

    /// <summary>Running, then healthy where the dependency has a health check (for a database: its server too).</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency) where T : Resource
    {
        EnsureNotSelf(builder.Resource, dependency.Resource);
        builder.Resource.Waits.Add(new ResourceWait(dependency.Resource, WaitType.UntilHealthy));
        builder.Resource.DependsOn.Add(dependency.Resource);
        return builder;
    }

    /// <summary>Terminal with the expected exit code; any other outcome fails the waiting resource.</summary>
    public static IResourceBuilder<T> WaitForCompletion<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency, int exitCode = 0) where T : Resource
    {
        EnsureNotSelf(builder.Resource, dependency.Resource);
        builder.Resource.Waits.Add(new ResourceWait(dependency.Resource, WaitType.UntilCompleted, exitCode));
        builder.Resource.DependsOn.Add(dependency.Resource);
        return builder;
    }

    public static IResourceBuilder<ProjectResource> WithHttpEndpoint(this IResourceBuilder<ProjectResource> builder, int? port = null, string name = "http")
    {
        var existing = builder.Resource.Endpoints.FirstOrDefault(e => e.Name == name);
        if (existing is not null)
        {
            existing.RequestedPort = port ?? existing.RequestedPort;
        }
        else
        {
            builder.Resource.Endpoints.Add(new EndpointAnnotation(name, "http", port));
        }
        return builder;
    }

    public static IResourceBuilder<ProjectResource> WithHttpHealthCheck(this IResourceBuilder<ProjectResource> builder, string path = "/health")
    {
        builder.Resource.HealthCheckPath = path;
        return builder;
    }

    public static IResourceBuilder<ProjectResource> WithArgs(this IResourceBuilder<ProjectResource> builder, params string[] args)
    {
        builder.Resource.Args.AddRange(args);
        return builder;
    }

    /// <summary>Arguments evaluated right before the process starts, e.g. from another resource's endpoint (Aspire's callback overload).</summary>
    public static IResourceBuilder<ProjectResource> WithArgs(this IResourceBuilder<ProjectResource> builder, Func<IEnumerable<string>> args)
    {
        builder.Resource.ArgsCallbacks.Add(args);
        return builder;
    }

    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> builder, string name, string value) =>
        builder.WithEnvironment((context, _) =>
        {
            context.Variables[name] = value;
            return ValueTask.CompletedTask;
        });

    /// <summary>A value known only once dependencies run (evaluated right before the process starts).</summary>
    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> builder, string name, Func<CancellationToken, ValueTask<string>> value) =>
        builder.WithEnvironment(async (context, cancellationToken) => context.Variables[name] = await value(cancellationToken).ConfigureAwait(false));

    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> builder, Func<EnvironmentContext, CancellationToken, ValueTask> callback)
    {
        builder.Resource.EnvironmentCallbacks.Add(callback);
        return builder;
    }

    /// <summary><c>ConnectionStrings__name</c> plus Aspire 13's <c>NAME_HOST</c>, <c>NAME_PORT</c>, ... connection properties.</summary>
    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> builder, IResourceBuilder<Resource> source)
    {
        if (source.Resource is not IResourceWithConnectionString connection)
        {
            throw new ArgumentException($"Resource '{source.Resource.Name}' has no connection string to reference.", nameof(source));
        }
        builder.Resource.DependsOn.Add(source.Resource);
        return builder.WithEnvironment(async (context, cancellationToken) =>
        {
            context.Variables[$"ConnectionStrings__{source.Resource.Name}"] = await connection.GetConnectionStringAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (property, value) in await connection.GetConnectionPropertiesAsync(cancellationToken).ConfigureAwait(false))
            {
                context.Variables[$"{source.Resource.EnvironmentName}_{property}"] = value;
            }
        });
    }

    /// <summary>Service discovery: <c>services__name__endpoint__0</c> and <c>NAME_ENDPOINT</c> for each endpoint.</summary>
    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> builder, IResourceBuilder<ProjectResource> service)
    {
        builder.Resource.DependsOn.Add(service.Resource);
        return builder.WithEnvironment((context, _) =>
        {
            foreach (var endpoint in service.Resource.Endpoints)
            {
                var url = endpoint.Url.ToString().TrimEnd('/');
                context.Variables[$"services__{service.Resource.Name}__{endpoint.Name}__0"] = url;
                context.Variables[$"{service.Resource.EnvironmentName}_{endpoint.Name.ToUpperInvariant()}"] = url;
            }
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>What Aspire gives every project in run mode: OpenTelemetry settings, console format, its URLs.</summary>
    internal static IResourceBuilder<ProjectResource> WithProjectDefaults(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithEnvironment((context, _) =>
        {
            var options = context.Application.Options;
            var variables = context.Variables;
            variables["OTEL_SERVICE_NAME"] = context.Resource.Name;
            variables["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={InstanceId()}";
            variables["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory";
            if (options.OtlpEndpoint is { Length: > 0 } otlp)
            {
                variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
                variables["OTEL_EXPORTER_OTLP_PROTOCOL"] = options.OtlpProtocol;
            }
            if (options.IsDevelopment)
            {
                variables["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
                variables["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
                variables["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
                variables["OTEL_TRACES_SAMPLER"] = "always_on";
                variables["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based";
            }
            variables["LOGGING__CONSOLE__FORMATTERNAME"] = "simple";
            // One line per entry keeps the "name | line" prefix readable (not an Aspire default).
            variables.TryAdd("Logging__Console__FormatterOptions__SingleLine", "true");
            if (options.LogSink is ConsoleLogSink && !Console.IsOutputRedirected)
            {
                variables["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true";
            }
            var urls = context.Resource.Endpoints.Where(e => e.Scheme is "http" or "https").Select(e => e.Url.ToString().TrimEnd('/')).ToArray();
            if (urls.Length > 0)
            {
                variables["ASPNETCORE_URLS"] = string.Join(';', urls);
            }
            return ValueTask.CompletedTask;
        });

    /// <summary>Eight lower-case letters, like the suffix DCP gives each replica.</summary>
    private static string InstanceId() => string.Create(8, 0, (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (char)('a' + RandomNumberGenerator.GetInt32(26));
        }
    });

    private static void EnsureNotSelf(Resource resource, Resource dependency)
    {
        if (ReferenceEquals(resource, dependency))
        {
            throw new DistributedApplicationException($"'{resource.Name}' cannot wait for itself.");
        }
    }
}
