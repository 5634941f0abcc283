using Microsoft.IdentityModel.JsonWebTokens;

namespace Yapit.Storefront.Gateway;

/// <summary>
/// The signed-in user's bearer token for the gateway, kept in an HttpOnly cookie the browser's scripts cannot read.
/// Locally <see cref="LocalSignIn"/> writes it; in production an identity provider would (with OpenID Connect,
/// <c>AddOpenIdConnect(o =&gt; o.SaveTokens = true)</c> and <c>HttpContext.GetTokenAsync("access_token")</c>).
/// </summary>
public sealed class UserToken(IHttpContextAccessor accessor)
{
    public const string CookieName = "storefront_token";

    public string? Value => accessor.HttpContext?.Request.Cookies[CookieName] is { Length: > 0 } token ? token : null;

    public bool IsSignedIn => Value is not null;

    /// <summary>The token's subject, for showing who is signed in (the gateway, not this page, validates the token).</summary>
    public string? UserId
    {
        get
        {
            try
            {
                return Value is { } token ? new JsonWebToken(token).Subject : null;
            }
            catch (ArgumentException)
            {
                return null; // not a JWT: the gateway will say 401
            }
        }
    }

    public static void Write(HttpResponse response, string token, TimeSpan lifetime) =>
        response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            // Lax: the cookie comes along when Checkout and the portal send the browser back here.
            SameSite = SameSiteMode.Lax,
            Secure = response.HttpContext.Request.IsHttps,
            MaxAge = lifetime,
            IsEssential = true,
        });

    public static void Delete(HttpResponse response) => response.Cookies.Delete(CookieName);
}
