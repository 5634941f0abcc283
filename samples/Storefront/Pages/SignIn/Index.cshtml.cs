using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Yapit.Storefront.Gateway;
using Yapit.Storefront.LocalSignIn;

namespace Yapit.Storefront.Pages.SignIn;

/// <summary>The local test sign-in (see <see cref="LocalTokenIssuer"/>): 404 wherever it is not registered.</summary>
public sealed partial class SignInModel(IServiceProvider services) : PageModel
{
    public string UserId { get; private set; } = "";

    public string ReturnUrl { get; private set; } = "/";

    public string? Error { get; private set; }

    public IActionResult OnGet(string? returnUrl)
    {
        if (services.GetService<LocalTokenIssuer>() is null)
        {
            return NotFound();
        }
        ReturnUrl = LocalOrHome(returnUrl);
        UserId = "user_" + Guid.NewGuid().ToString("N")[..8];
        return Page();
    }

    public IActionResult OnPost(string? userId, string? returnUrl)
    {
        if (services.GetService<LocalTokenIssuer>() is not { } issuer)
        {
            return NotFound();
        }
        ReturnUrl = LocalOrHome(returnUrl);
        UserId = userId?.Trim() ?? "";
        if (!UserIdPattern().IsMatch(UserId))
        {
            Error = "A user id is 1 to 64 letters, digits, '_' or '-'.";
            return Page();
        }
        UserToken.Write(Response, issuer.Issue(UserId), LocalTokenIssuer.Lifetime);
        return LocalRedirect(ReturnUrl);
    }

    /// <summary>Signing out forgets the token (whatever signed the user in).</summary>
    public IActionResult OnPostSignOut()
    {
        UserToken.Delete(Response);
        return Redirect("/");
    }

    private string LocalOrHome(string? url) => url is { Length: > 0 } && Url.IsLocalUrl(url) ? url : "/";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex UserIdPattern();
}
