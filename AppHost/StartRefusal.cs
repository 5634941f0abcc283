using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Aspire.Hosting;

/// <summary>
/// A setting the stack cannot run with (a live Stripe key, a test key without a container runtime for stripe-cli, a
/// bad mode) stops the app host before anything starts, with one line saying why.
/// </summary>
public static class StartRefusal
{
    [DoesNotReturn]
    public static void Refuse(string reason)
    {
        // Run as the app host itself (dotnet run --project AppHost): the reason and exit code 1, not an unhandled
        // exception's stack trace and 134. Hosted by the tests' DistributedApplicationTestingBuilder: an exception.
        if (Assembly.GetEntryAssembly() == typeof(StartRefusal).Assembly)
        {
            Console.Error.WriteLine(reason);
            Environment.Exit(1);
        }
        throw new DistributedApplicationException(reason);
    }
}
