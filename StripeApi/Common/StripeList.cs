using System.Text.Json.Serialization;

namespace Yapit.StripeApi.Common;

/// <summary>Stripe's list envelope: <c>{object: "list", data, has_more, url}</c>.</summary>
public sealed class StripeList<T>
{
    public string Object { get; init; } = "list";
    public List<T> Data { get; init; } = [];
    public bool HasMore { get; init; }
    public string? Url { get; init; }
}

/// <summary>What a delete returns: <c>{id, object, deleted: true}</c>.</summary>
public sealed class DeletedObject
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = string.Empty;
    public bool Deleted { get; init; }
}

/// <summary>Every Stripe object has an id.</summary>
public interface IHasId
{
    string Id { get; }
}

/// <summary>Parameters every request may carry.</summary>
public abstract class StripeOptions
{
    /// <summary>Paths of related objects to return whole (<c>expand[0]=data.product</c>).</summary>
    public List<string>? Expand { get; set; }
}

/// <summary>Options of a plain retrieve.</summary>
public sealed class GetOptions : StripeOptions;

/// <summary>Cursor paging: at most 100 per page.</summary>
public class ListOptions : StripeOptions
{
    public const int MaxLimit = 100;

    public int? Limit { get; set; }
    public string? StartingAfter { get; set; }
    public string? EndingBefore { get; set; }
}

/// <summary>A range filter such as <c>created[gte]=...</c>.</summary>
public sealed class DateRangeFilter
{
    [JsonPropertyName("gt")]
    public DateTimeOffset? GreaterThan { get; set; }

    [JsonPropertyName("gte")]
    public DateTimeOffset? GreaterThanOrEqual { get; set; }

    [JsonPropertyName("lt")]
    public DateTimeOffset? LessThan { get; set; }

    [JsonPropertyName("lte")]
    public DateTimeOffset? LessThanOrEqual { get; set; }
}
