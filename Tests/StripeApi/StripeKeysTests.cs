using Yapit.StripeApi;
using Yapit.StripeApi.Http;

namespace Yapit.Tests.StripeApi;

/// <summary>The client knows whether its key acts in test or live mode, so callers can refuse live mode by accident.</summary>
public sealed class StripeKeysTests
{
    [Theory]
    [InlineData("sk_test_51Abc", StripeMode.Test)]
    [InlineData("rk_test_51Abc", StripeMode.Test)]
    [InlineData("sk_live_51Abc", StripeMode.Live)]
    [InlineData("rk_live_51Abc", StripeMode.Live)]
    public void The_prefix_tells_the_mode(string key, StripeMode mode)
    {
        Assert.Equal(mode, StripeKeys.ModeOf(key));
    }

    [Theory]
    [InlineData("pk_test_51Abc")]
    [InlineData("pk_live_51Abc")]
    [InlineData("whsec_abc")]
    [InlineData("sk_51Abc")]
    [InlineData("SK_TEST_51Abc")]
    [InlineData("test")]
    public void Anything_else_is_refused(string key)
    {
        Assert.Throws<ArgumentException>(() => StripeKeys.ModeOf(key));
    }

    [Fact]
    public void The_client_exposes_its_mode()
    {
        using var http = new HttpClient();

        var live = new StripeClient(new StripeRequestPipeline(http, new StripeClientOptions { SecretKey = "sk_live_51Abc" }));
        var test = new StripeClient(new StripeRequestPipeline(http, new StripeClientOptions { SecretKey = "rk_test_51Abc" }));

        Assert.Equal(StripeMode.Live, live.Mode);
        Assert.True(live.IsLiveMode);
        Assert.Equal(StripeMode.Test, test.Mode);
        Assert.False(test.IsLiveMode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pk_test_51Abc")]
    public void A_client_cannot_be_made_without_a_usable_secret_key(string key)
    {
        using var http = new HttpClient();

        var error = Assert.Throws<ArgumentException>(() => new StripeRequestPipeline(http, new StripeClientOptions { SecretKey = key }));

        Assert.DoesNotContain("51Abc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_redacted_key_shows_only_its_prefix()
    {
        Assert.Equal("sk_live_***", StripeKeys.Redact("sk_live_51AbcDefGhi"));
        Assert.Equal("(none)", StripeKeys.Redact(null));
    }
}
