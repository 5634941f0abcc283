namespace Yapit.AppHost.Hosting;

/// <summary>The stack cannot be built or started; the message names the resource and why.</summary>
public class DistributedApplicationException(string message, Exception? inner = null) : Exception(message, inner);
