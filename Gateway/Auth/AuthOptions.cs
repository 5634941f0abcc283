namespace Yapit.Gateway.Auth;

/// <summary>
/// Bound from <c>Auth</c>. Production names an <see cref="Authority"/> (OpenID Connect discovery and JWKS); the
/// local stack signs its own tokens with <see cref="SigningKey"/>, a secret the AppHost generates.
/// </summary>
public sealed class AuthOptions
{
    public string? Authority { get; set; }
    public string Issuer { get; set; } = "yapit-local";
    public string Audience { get; set; } = "yapit-billing";
    /// <summary>A symmetric key (at least 32 bytes of text) for HS256 tokens; never logged.</summary>
    public string? SigningKey { get; set; }
    /// <summary>The shared key Yapit's own services may present instead of a token with the <c>usage:write</c> scope.</summary>
    public string? ServiceApiKey { get; set; }
}
