using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Yapit.Gateway.Auth;

/// <summary>JWT bearer authentication of users (the <c>sub</c> claim is the user id) and Yapit's services (scope <c>usage:write</c>).</summary>
public static class AuthenticationSetup
{
    public const string UserPolicy = "user";
    public const string UsageWriteScope = "usage:write";

    public static IHostApplicationBuilder AddUserAuthentication(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Auth");
        builder.Services.AddOptions<AuthOptions>().Bind(section);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            // Keep the token's claim names: the user id is "sub", not a mapped WS-* claim type.
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = options.Issuer,
                ValidAudience = options.Audience,
                NameClaimType = "sub",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            jwt.Events = new JwtBearerEvents { OnTokenValidated = RefuseBadSubject };
            if (!string.IsNullOrEmpty(options.Authority))
            {
                jwt.Authority = options.Authority;
            }
            else
            {
                // Without a key no token validates: every billing endpoint answers 401 rather than trusting anyone.
                jwt.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(SigningKeyBytes(options.SigningKey ?? ""));
            }
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(UserPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim("sub"));
        return builder;
    }

    /// <summary>
    /// A signed token whose <c>sub</c> cannot be a user id (<see cref="UserIds"/>) authenticates nobody: 401, as a bad
    /// signature. (A token without <c>sub</c> may still be a service's, with scope <c>usage:write</c>.)
    /// </summary>
    private static Task RefuseBadSubject(TokenValidatedContext context)
    {
        if (context.Principal?.FindFirst("sub") is { } subject && UserIds.Problem(subject.Value) is { } problem)
        {
            // The value itself is not logged: it is the caller's input, perhaps with control characters.
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuthenticationSetup))
                .LogInformation("A signed token was refused: its sub {Problem}", problem);
            context.Fail($"The token's sub {problem}.");
        }
        return Task.CompletedTask;
    }

    /// <summary>The key's bytes, padded to HS256's minimum so a missing key still builds a validator (one that accepts nothing we did not sign).</summary>
    internal static byte[] SigningKeyBytes(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        return bytes.Length >= 32 ? bytes : [.. bytes, .. new byte[32 - bytes.Length]];
    }

    public static string? UserId(this ClaimsPrincipal user) => user.FindFirst("sub")?.Value;

    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        user.FindAll("scope").Concat(user.FindAll("scp"))
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(scope, StringComparer.Ordinal);
}
