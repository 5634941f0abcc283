using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yapit.StripeApi.Serialization;

/// <summary>A Stripe object that can be expanded: usually only its id, the whole object when the request expanded it.</summary>
public sealed class Expandable<T> where T : class
{
    public Expandable(string id, T? value = null)
    {
        Id = id;
        Value = value;
    }

    public string Id { get; }

    /// <summary>The object, when the request asked for it with <c>expand</c>.</summary>
    public T? Value { get; }

    public bool IsExpanded => Value is not null;

    public override string ToString() => Id;
}

internal sealed class ExpandableConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(Expandable<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(ExpandableConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class ExpandableConverter<T> : JsonConverter<Expandable<T>> where T : class
    {
        public override Expandable<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.String:
                    return new Expandable<T>(reader.GetString()!);
                default:
                    using (var document = JsonDocument.ParseValue(ref reader))
                    {
                        var id = document.RootElement.TryGetProperty("id", out var idElement) ? idElement.GetString() ?? string.Empty : string.Empty;
                        return new Expandable<T>(id, document.RootElement.Deserialize<T>(options));
                    }
            }
        }

        public override void Write(Utf8JsonWriter writer, Expandable<T> value, JsonSerializerOptions options) => writer.WriteStringValue(value.Id);
    }
}
