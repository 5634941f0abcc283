using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Yapit.Storefront.LocalSignIn;

/// <summary>
/// Bound from <c>Auth</c>, as the gateway binds it: the local stack's HS256 key (the AppHost generates it and gives it
/// to both), issuer and audience. Production has none of this: an identity provider signs the tokens.
/// </summary>
public sealed class LocalSignInOptions
{
    public string? SigningKey { get; set; }
    public string Issuer { get; set; } = "yapit-local";
    public string Audience { get; set; } = "yapit-billing";
}

/// <summary>
/// Signing in as a test user, for the local stack only: a token minted as <c>dotnet run --project Gateway -- token
/// --sub user_1</c> mints it (sub = the user id, the gateway's issuer and audience, HS256 with the local key). Only
/// in Development and only with <c>Auth__SigningKey</c> set; everywhere else the sign-in page answers 404 and the
/// storefront would take its token from a real identity provider.
/// </summary>
public sealed class LocalTokenIssuer(LocalSignInOptions options)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public string Issue(string userId) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = options.Issuer,
        Audience = options.Audience,
        Claims = new Dictionary<string, object> { ["sub"] = userId },
        Expires = DateTime.UtcNow + Lifetime,
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(KeyBytes(options.SigningKey!)), SecurityAlgorithms.HmacSha256),
    });

    /// <summary>The gateway's rule: the key's UTF-8 bytes, zero-padded to HS256's 32-byte minimum.</summary>
    private static byte[] KeyBytes(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        return bytes.Length >= 32 ? bytes : [.. bytes, .. new byte[32 - bytes.Length]];
    }
}

public static class LocalSignInRegistration
{
    public static IHostApplicationBuilder AddLocalSignIn(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Auth").Get<LocalSignInOptions>() ?? new LocalSignInOptions();
        if (builder.Environment.IsDevelopment() && !string.IsNullOrEmpty(options.SigningKey))
        {
            builder.Services.AddSingleton(new LocalTokenIssuer(options));
        }
        return builder;
    }
}
