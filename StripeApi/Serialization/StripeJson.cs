using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yapit.StripeApi.Serialization;

/// <summary>
/// JSON settings for Stripe's wire format: snake_case names, unix-second timestamps, unknown fields ignored (a newer
/// API version may add fields), enum-like values kept as strings so an unknown value never throws.
/// </summary>
public static class StripeJson
{
    /// <summary>Reading responses and events.</summary>
    public static JsonSerializerOptions Options { get; } = Create(forRequests: false);

    /// <summary>Turning request parameters into a tree before form encoding: nulls are left out.</summary>
    internal static JsonSerializerOptions RequestOptions { get; } = Create(forRequests: true);

    private static JsonSerializerOptions Create(bool forRequests)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            DefaultIgnoreCondition = forRequests ? JsonIgnoreCondition.WhenWritingNull : JsonIgnoreCondition.Never,
            WriteIndented = false,
        };
        options.Converters.Add(new UnixTimeConverter());
        options.Converters.Add(new NullableUnixTimeConverter());
        options.Converters.Add(new ExpandableConverterFactory());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stripe returned null for a {typeof(T).Name}.");

    public static T Deserialize<T>(JsonElement json) =>
        json.Deserialize<T>(Options) ?? throw new JsonException($"Stripe returned null for a {typeof(T).Name}.");
}

/// <summary>Stripe timestamps are unix seconds.</summary>
internal sealed class UnixTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.FromUnixTimeSeconds(reader.TokenType == JsonTokenType.String ? long.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : reader.GetInt64());

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeSeconds());
}

internal sealed class NullableUnixTimeConverter : JsonConverter<DateTimeOffset?>
{
    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : new UnixTimeConverter().Read(ref reader, typeof(DateTimeOffset), options);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteNumberValue(value.Value.ToUnixTimeSeconds());
        }
    }
}
