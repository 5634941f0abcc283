using Microsoft.Extensions.Options;
using Yapit.StripeEmulator.Hosting;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Webhooks;

/// <summary>
/// The emulator's own signing secret, for what it forwards (the secret <c>stripe listen</c> prints). Kept in the
/// store's settings, so it survives restarts with a state directory and a reset of the store.
/// </summary>
public sealed class ListenSecret(StripeStore store, IOptions<EmulatorOptions> options)
{
    public const string SettingName = "listen_secret";

    public string Value { get; } = options.Value.WebhookSecret is { Length: > 0 } pinned
        ? pinned
        : store.GetOrAddSetting(SettingName, IdGenerator.WebhookSecret);
}

/// <summary>The <c>--forward-to</c> URL; a test may point a running emulator elsewhere.</summary>
public sealed class ForwardTarget(IOptions<EmulatorOptions> options)
{
    private Uri? _url = options.Value.ForwardTo is { Length: > 0 } url ? new Uri(url) : null;

    public Uri? Url
    {
        get => Volatile.Read(ref _url);
        set => Volatile.Write(ref _url, value);
    }
}
