using Yapit.Billing.Stripe;

namespace Yapit.Tests.StripeNet;

/// <summary>A key says whether it acts in test or live mode, so stripe-setup and the gateway can refuse live mode by accident.</summary>
[Trait("Category", "Unit")]
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

    [Theory]
    [InlineData("sk_live_51Abc", StripeMode.Live)]
    [InlineData("rk_test_51Abc", StripeMode.Test)]
    public void The_settings_tell_the_mode_of_their_key(string key, StripeMode mode)
    {
        Assert.Equal(mode, new StripeSettings { SecretKey = key }.Mode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pk_test_51Abc")]
    public void No_client_is_made_without_a_usable_secret_key_and_the_error_hides_it(string key)
    {
        using var http = new HttpClient();

        var error = Assert.Throws<InvalidOperationException>(() => StripeRegistration.CreateClient(new StripeSettings { SecretKey = key }, http));

        Assert.Contains("Stripe:SecretKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("51Abc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_redacted_key_shows_only_its_prefix()
    {
        Assert.Equal("sk_live_***", StripeKeys.Redact("sk_live_51AbcDefGhi"));
        Assert.Equal("(none)", StripeKeys.Redact(null));
    }
}
