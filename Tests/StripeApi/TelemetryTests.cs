using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Yapit.StripeApi.Errors;
using Yapit.StripeApi.Http;
using Yapit.StripeApi.Resources.TestHelpers;

namespace Yapit.Tests.StripeApi;

/// <summary>One span per logical request with its outcome, request metrics, and never a key or a body in a tag.</summary>
public sealed class TelemetryTests
{
    /// <summary>Collects the Yapit.StripeApi spans of one test (other tests run in parallel), picked by the object id.</summary>
    private sealed class Spans : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public Spans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == StripeTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public Activity For(string objectId) => Assert.Single(_stopped, a => (string?)a.GetTagItem("stripe.object_id") == objectId);

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_request_is_one_span_with_its_method_route_status_request_id_and_attempts()
    {
        using var spans = new Spans();
        var clockId = $"clock_{Guid.NewGuid():N}";
        await using var stub = await StripeStub.StartAsync((context, _, number) => number == 1
            ? StripeStub.Json(context, 503, """{"error":{"type":"api_error"}}""", ("Request-Id", "req_first"))
            : StripeStub.Json(context, 200, $$"""{"id":"{{clockId}}","object":"test_helpers.test_clock","status":"advancing"}""", ("Request-Id", "req_second")));

        await stub.Client().TestHelpers.TestClocks.AdvanceAsync(clockId, new TestClockAdvanceOptions { FrozenTime = DateTimeOffset.FromUnixTimeSeconds(1769904000) },
            cancellationToken: TestContext.Current.CancellationToken);

        var span = spans.For(clockId);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("stripe POST /v1/test_helpers/test_clocks/{id}/advance", span.DisplayName);
        Assert.Equal("POST", span.GetTagItem("http.request.method"));
        Assert.Equal("/v1/test_helpers/test_clocks/{id}/advance", span.GetTagItem("url.template"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal("req_second", span.GetTagItem("stripe.request_id"));
        Assert.Equal(2, span.GetTagItem("stripe.attempts"));
        Assert.Equal("2026-10-28.endive", span.GetTagItem("stripe.api_version"));
        Assert.NotEqual(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task Neither_the_secret_key_nor_the_body_appears_in_a_span()
    {
        using var spans = new Spans();
        var clockId = $"clock_{Guid.NewGuid():N}";
        await using var stub = await StripeStub.AnsweringAsync($$"""{"id":"{{clockId}}","object":"test_helpers.test_clock"}""");

        await stub.Client().TestHelpers.TestClocks.CreateAsync(new TestClockCreateOptions { FrozenTime = DateTimeOffset.FromUnixTimeSeconds(1767225600), Name = "secret-ish name" },
            new RequestOptions { IdempotencyKey = clockId }, TestContext.Current.CancellationToken);
        await stub.Client().TestHelpers.TestClocks.GetAsync(clockId, cancellationToken: TestContext.Current.CancellationToken);

        var span = spans.For(clockId);
        var text = string.Join("\n", span.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(span.DisplayName).Append(span.StatusDescription ?? string.Empty));
        Assert.DoesNotContain(StripeStub.SecretKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk_test", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-ish", text, StringComparison.Ordinal);
        Assert.DoesNotContain("frozen_time", text, StringComparison.Ordinal);
        Assert.DoesNotContain(span.TagObjects, t => t.Key.Contains("body", StringComparison.OrdinalIgnoreCase) || t.Key.Contains("authorization", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_failed_request_marks_its_span_as_an_error_with_the_stripe_code()
    {
        using var spans = new Spans();
        var clockId = $"clock_{Guid.NewGuid():N}";
        await using var stub = await StripeStub.StartAsync((context, _, _) => StripeStub.Json(context, 404,
            """{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such test clock"}}""", ("Request-Id", "req_missing")));

        await Assert.ThrowsAsync<StripeException>(() => stub.Client().TestHelpers.TestClocks.GetAsync(clockId, cancellationToken: TestContext.Current.CancellationToken));

        var span = spans.For(clockId);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("resource_missing", span.GetTagItem("error.type"));
        Assert.Equal(404, span.GetTagItem("http.response.status_code"));
        Assert.Equal("req_missing", span.GetTagItem("stripe.request_id"));
        Assert.Equal(1, span.GetTagItem("stripe.attempts"));
    }

    /// <summary>Marks the measurements this test's own calls make; the listener sees every test's.</summary>
    private static readonly AsyncLocal<string?> MeasuredCall = new();

    [Fact]
    public async Task Requests_durations_and_retries_are_measured_by_route_and_outcome()
    {
        var marker = Guid.NewGuid().ToString("N");
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // Instruments record on the caller's async flow, so the marker set below tells this test's calls apart.
            if (MeasuredCall.Value == marker)
            {
                measurements.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        }
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == StripeTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        meters.Start();
        await using var stub = await StripeStub.StartAsync((context, _, number) => number == 1
            ? StripeStub.Json(context, 500, """{"error":{"type":"api_error"}}""")
            : StripeStub.Json(context, 200, """{"id":"clock_1","object":"test_helpers.test_clock","deleted":true}"""));
        var client = stub.Client();

        MeasuredCall.Value = marker;
        await client.TestHelpers.TestClocks.DeleteAsync("clock_1", cancellationToken: TestContext.Current.CancellationToken);
        MeasuredCall.Value = null;

        var requests = Assert.Single(measurements, m => m.Instrument == "stripe.client.requests");
        Assert.Equal(1, requests.Value);
        Assert.Equal("DELETE", requests.Tags["http.request.method"]);
        Assert.Equal("/v1/test_helpers/test_clocks/{id}", requests.Tags["url.template"]);
        Assert.Equal("200", requests.Tags["http.response.status_code"]);
        var duration = Assert.Single(measurements, m => m.Instrument == "stripe.client.request.duration");
        Assert.True(duration.Value > 0);
        var retry = Assert.Single(measurements, m => m.Instrument == "stripe.client.retries");
        Assert.Equal("/v1/test_helpers/test_clocks/{id}", retry.Tags["url.template"]);
    }
}
