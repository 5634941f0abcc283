using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yapit.StripeApi.Common;

/// <summary>
/// A parameter that takes a unix timestamp or a keyword, such as <c>trial_end=now</c> or
/// <c>cancel_at=max_period_end</c>; <see cref="Clear"/> sends an empty value (<c>cancel_at=</c>) to unset it.
/// A <see cref="DateTimeOffset"/> converts to it implicitly.
/// </summary>
[JsonConverter(typeof(TimestampOrKeywordConverter))]
public sealed record TimestampOrKeyword
{
    private TimestampOrKeyword(DateTimeOffset? time, string? keyword)
    {
        Time = time;
        Keyword = keyword;
    }

    /// <summary><c>now</c> (trial_end: end the trial immediately).</summary>
    public static TimestampOrKeyword Now { get; } = new(null, "now");

    /// <summary>An empty value: unsets the field (<c>cancel_at=</c>).</summary>
    public static TimestampOrKeyword Clear { get; } = new(null, string.Empty);

    public DateTimeOffset? Time { get; }

    /// <summary>The keyword, empty for <see cref="Clear"/>, null when this is a time.</summary>
    public string? Keyword { get; }

    public static TimestampOrKeyword At(DateTimeOffset time) => new(time, null);

    /// <summary>A keyword such as <c>max_period_end</c>, <c>min_period_end</c>, <c>max_billed_until</c>.</summary>
    public static TimestampOrKeyword Of(string keyword)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        return new(null, keyword);
    }

    public static implicit operator TimestampOrKeyword(DateTimeOffset time) => At(time);

    public static TimestampOrKeyword FromDateTimeOffset(DateTimeOffset time) => At(time);

    public override string ToString() =>
        Time is { } time ? time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : Keyword ?? string.Empty;
}

internal sealed class TimestampOrKeywordConverter : JsonConverter<TimestampOrKeyword>
{
    public override TimestampOrKeyword? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => TimestampOrKeyword.At(DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64())),
        JsonTokenType.String when reader.GetString() is { Length: 0 } => TimestampOrKeyword.Clear,
        JsonTokenType.String => TimestampOrKeyword.Of(reader.GetString()!),
        _ => throw new JsonException("Expected a unix timestamp or a keyword."),
    };

    public override void Write(Utf8JsonWriter writer, TimestampOrKeyword value, JsonSerializerOptions options)
    {
        if (value.Time is { } time)
        {
            writer.WriteNumberValue(time.ToUnixTimeSeconds());
        }
        else
        {
            writer.WriteStringValue(value.Keyword);
        }
    }
}
