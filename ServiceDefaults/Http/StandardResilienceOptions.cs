namespace Yapit.ServiceDefaults.Http;

/// <summary>
/// Defaults of Microsoft.Extensions.Http.Resilience's standard handler (the package is not on the mirror).
/// Bound from configuration section <c>HttpResilience</c>.
/// </summary>
public sealed class StandardResilienceOptions
{
    public const string SectionName = "HttpResilience";

    public TimeSpan TotalRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public int MaxRetryAttempts { get; set; } = 3;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);
    public double CircuitBreakerFailureRatio { get; set; } = 0.1;
    public int CircuitBreakerMinimumThroughput { get; set; } = 100;
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
