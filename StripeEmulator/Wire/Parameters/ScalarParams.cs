using System.Globalization;
using System.Text.Json.Nodes;

namespace Yapit.StripeEmulator.Wire.Parameters;

/// <summary>A string, optionally one of a fixed set (Stripe's enums) and of bounded length.</summary>
public sealed record StringParam : Param
{
    public IReadOnlyList<string>? Values { get; init; }
    public int MaxLength { get; init; } = 5000;

    protected override JsonNode? BindValue(FormNode node, string path)
    {
        var value = Leaf(node, path, "string");
        if (Values is not null && !Values.Contains(value, StringComparer.Ordinal))
        {
            throw StripeErrors.InvalidValue(path, $"Invalid {path}: must be one of {Enumerate(Values)}");
        }
        if (value.Length > MaxLength)
        {
            throw StripeErrors.InvalidValue(path, $"Invalid {path}: must be at most {MaxLength} characters");
        }
        return JsonValue.Create(value);
    }

    internal static string Enumerate(IReadOnlyList<string> values) =>
        values.Count <= 1 ? string.Concat(values) : $"{string.Join(", ", values.Take(values.Count - 1))}, or {values[^1]}";
}

/// <summary>A whole number, optionally bounded (amounts, counts, unix timestamps).</summary>
public sealed record IntegerParam : Param
{
    public long? Min { get; init; }
    public long? Max { get; init; }

    protected override JsonNode? BindValue(FormNode node, string path)
    {
        var text = Leaf(node, path, "integer");
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw StripeErrors.InvalidInteger(path, text);
        }
        if (value < Min)
        {
            throw StripeErrors.IntegerOutOfRange(path, $"This value must be greater than or equal to {Min} (it currently is '{value}').");
        }
        if (value > Max)
        {
            throw StripeErrors.IntegerOutOfRange(path, $"This value must be less than or equal to {Max} (it currently is '{value}').");
        }
        return JsonValue.Create(value);
    }
}

/// <summary>A decimal number (<c>percent_off</c>, <c>unit_amount_decimal</c>).</summary>
public sealed record DecimalParam : Param
{
    public decimal? Min { get; init; }
    public decimal? Max { get; init; }

    protected override JsonNode? BindValue(FormNode node, string path)
    {
        var text = Leaf(node, path, "decimal");
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw StripeErrors.InvalidValue(path, $"Invalid decimal: {text}");
        }
        if (value < Min || value > Max)
        {
            throw StripeErrors.InvalidValue(path, $"Invalid {path}: must be between {Min} and {Max}");
        }
        return JsonValue.Create(value);
    }
}

/// <summary>A three-letter ISO currency code; Stripe accepts any case and keeps it lower case.</summary>
public sealed record CurrencyParam : Param
{
    protected override JsonNode? BindValue(FormNode node, string path)
    {
        var value = Leaf(node, path, "currency").ToLowerInvariant();
        return value.Length == 3 && value.All(char.IsAsciiLetterLower)
            ? JsonValue.Create(value)
            : throw StripeErrors.InvalidValue(path, $"Invalid currency: {value}. Stripe currencies are three-letter ISO codes.");
    }
}

/// <summary>Exactly <c>true</c> or <c>false</c>, as Stripe accepts them.</summary>
public sealed record BooleanParam : Param
{
    protected override JsonNode? BindValue(FormNode node, string path) => Leaf(node, path, "boolean") switch
    {
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        var other => throw StripeErrors.InvalidValue(path, $"Invalid boolean: {other}"),
    };
}

/// <summary>A tier's <c>up_to</c>: a positive integer or <c>inf</c> (Stripe returns the last, unbounded tier as null).</summary>
public sealed record UpToParam : Param
{
    protected override JsonNode? BindValue(FormNode node, string path)
    {
        var text = Leaf(node, path, "integer");
        if (text == "inf")
        {
            return JsonValue.Create("inf");
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? JsonValue.Create(value)
            : throw StripeErrors.InvalidInteger(path, text);
    }
}

/// <summary>
/// A real Stripe parameter the emulator does not model. Refused with a message that says so, rather than as an
/// unknown parameter, so nobody mistakes it for a typo.
/// </summary>
public sealed record UnsupportedParam : Param
{
    protected override JsonNode? BindValue(FormNode node, string path) =>
        throw new StripeErrorException(400, StripeErrors.InvalidRequest, null, $"The Stripe emulator does not support the parameter {path}.", path) { IsValidation = true };
}

/// <summary>A unix time or one of a few keywords (<c>trial_end=now</c>, <c>billing_cycle_anchor=unchanged</c>).</summary>
public sealed record TimestampOrParam(params string[] Keywords) : Param
{
    protected override JsonNode? BindValue(FormNode node, string path)
    {
        var text = Leaf(node, path, "timestamp");
        if (Keywords.Contains(text, StringComparer.Ordinal))
        {
            return JsonValue.Create(text);
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? JsonValue.Create(value)
            : throw StripeErrors.InvalidValue(path, $"Invalid {path}: must be a unix timestamp or one of {StringParam.Enumerate(Keywords)}");
    }
}
