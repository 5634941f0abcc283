using Microsoft.Extensions.Configuration;
using Yapit.ServiceDefaults.Http;

namespace Yapit.Tests.Defaults;

public sealed class ServiceEndpointResolverTests
{
    private static ServiceEndpointResolver Resolver(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void Resolves_http_name_from_the_first_http_endpoint()
    {
        var resolver = Resolver(("services:gateway:http:0", "http://127.0.0.1:5080"));
        Assert.Equal(new Uri("http://127.0.0.1:5080/v1/plans?x=1"), resolver.Resolve(new Uri("http://gateway/v1/plans?x=1")));
    }

    [Fact]
    public void Https_plus_http_prefers_https_and_falls_back_to_http()
    {
        var onlyHttp = Resolver(("services:gateway:http:0", "http://127.0.0.1:5080"));
        var both = Resolver(("services:gateway:http:0", "http://127.0.0.1:5080"), ("services:gateway:https:0", "https://127.0.0.1:7080"));

        Assert.Equal(new Uri("http://127.0.0.1:5080/a"), onlyHttp.Resolve(new Uri("https+http://gateway/a")));
        Assert.Equal(new Uri("https://127.0.0.1:7080/a"), both.Resolve(new Uri("https+http://gateway/a")));
    }

    [Fact]
    public void Keys_are_case_insensitive_like_environment_variables()
    {
        var resolver = Resolver(("Services:Gateway:HTTP:0", "http://127.0.0.1:5080"));
        Assert.Equal(5080, resolver.Resolve(new Uri("http://gateway/")).Port);
    }

    [Fact]
    public void Default_section_wins_over_scheme_sections()
    {
        var resolver = Resolver(("services:gateway:default:0", "http://127.0.0.1:6000"), ("services:gateway:http:0", "http://127.0.0.1:5080"));
        Assert.Equal(6000, resolver.Resolve(new Uri("http://gateway/")).Port);
    }

    [Fact]
    public void An_underscore_host_selects_a_named_endpoint()
    {
        var resolver = Resolver(("services:gateway:http:0", "http://127.0.0.1:5080"), ("services:gateway:admin:0", "http://127.0.0.1:5090"));
        Assert.Equal(new Uri("http://127.0.0.1:5090/x"), resolver.Resolve(new Uri("http://_admin.gateway/x")));
    }

    [Fact]
    public void Several_endpoints_are_used_in_turn()
    {
        var resolver = Resolver(("services:gateway:http:0", "http://127.0.0.1:5080"), ("services:gateway:http:1", "http://127.0.0.1:5082"));
        var ports = Enumerable.Range(0, 4).Select(_ => resolver.Resolve(new Uri("http://gateway/")).Port).ToArray();
        Assert.Equal([5080, 5082, 5080, 5082], ports);
    }

    [Fact]
    public void A_single_value_section_works_too()
    {
        var resolver = Resolver(("services:gateway:http", "http://127.0.0.1:5080"));
        Assert.Equal(5080, resolver.Resolve(new Uri("http://gateway/")).Port);
    }

    [Fact]
    public void Unknown_hosts_pass_through_unchanged()
    {
        var resolver = Resolver(("services:gateway:http:0", "http://127.0.0.1:5080"));
        var uri = new Uri("https://api.stripe.com/v1/products");
        Assert.Same(uri, resolver.Resolve(uri));
    }

    [Fact]
    public void An_unknown_host_with_a_scheme_list_takes_the_preferred_scheme()
    {
        Assert.Equal(new Uri("https://billing.internal/x"), Resolver().Resolve(new Uri("https+http://billing.internal/x")));
    }

    [Fact]
    public void A_known_service_without_a_matching_endpoint_is_an_error_naming_it()
    {
        var resolver = Resolver(("services:gateway:https:0", "https://127.0.0.1:7080"));
        var error = Assert.Throws<InvalidOperationException>(() => resolver.Resolve(new Uri("http://gateway/")));
        Assert.Contains("gateway", error.Message);
    }

    [Fact]
    public void A_non_numeric_child_key_is_an_error_naming_the_key()
    {
        var resolver = Resolver(("services:gateway:http:first", "http://127.0.0.1:5080"));
        var error = Assert.Throws<InvalidOperationException>(() => resolver.Resolve(new Uri("http://gateway/")));
        Assert.Contains("services:gateway:http:first", error.Message);
    }
}
