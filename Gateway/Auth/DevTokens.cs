using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Yapit.Gateway.Auth;

/// <summary>
/// Tokens signed with the local key, for people and tests on the local stack:
/// <c>dotnet run --project Gateway -- token --sub user_1 [--scope usage:write] [--hours 12]</c>.
/// Refused when the gateway trusts an authority instead of a local key.
/// </summary>
public static class DevTokens
{
    public static string Issue(AuthOptions options, string subject, string? scope, TimeSpan lifetime)
    {
        if (string.IsNullOrEmpty(options.SigningKey) || !string.IsNullOrEmpty(options.Authority))
        {
            throw new InvalidOperationException("Local tokens need Auth__SigningKey and no Auth__Authority (the AppHost sets the key for the local stack).");
        }
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        if (!string.IsNullOrEmpty(scope))
        {
            claims["scope"] = scope;
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Claims = claims,
            Expires = DateTime.UtcNow + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(AuthenticationSetup.SigningKeyBytes(options.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The <c>token</c> command: prints a token and returns the exit code.</summary>
    public static int Run(string[] args, IConfiguration configuration)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var subject = Arg("--sub");
        if (string.IsNullOrWhiteSpace(subject))
        {
            Console.Error.WriteLine("usage: token --sub <user id> [--scope usage:write] [--hours 12]");
            return 2;
        }
        var hours = double.TryParse(Arg("--hours"), System.Globalization.CultureInfo.InvariantCulture, out var h) && h > 0 ? h : 12;
        try
        {
            Console.WriteLine(Issue(configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions(), subject, Arg("--scope"), TimeSpan.FromHours(hours)));
            return 0;
        }
        catch (InvalidOperationException error)
        {
            Console.Error.WriteLine(error.Message);
            return 1;
        }
    }
}
