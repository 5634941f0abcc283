using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Yapit.Storefront.Gateway;

namespace Yapit.Storefront.Pages;

/// <summary>Where any failure lands (UseExceptionHandler): the gateway's problem in its own words, or a plain apology.</summary>
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel : PageModel
{
    public GatewayProblemException? Problem { get; private set; }

    public string RequestId { get; private set; } = "";

    public void OnGet() => Describe();

    public void OnPost() => Describe();

    private void Describe()
    {
        RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        Problem = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error as GatewayProblemException;
        Response.StatusCode = Problem?.Status is >= 400 and < 500 and var status ? status : StatusCodes.Status502BadGateway;
        if (Problem is null)
        {
            Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }
}
