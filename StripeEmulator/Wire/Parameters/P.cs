namespace Yapit.StripeEmulator.Wire.Parameters;

/// <summary>A short vocabulary for writing request schemas the way the SDK types read.</summary>
public static class P
{
    public static StringParam String { get; } = new();
    public static IntegerParam Integer { get; } = new();
    public static IntegerParam NonNegative { get; } = new() { Min = 0 };
    public static IntegerParam Positive { get; } = new() { Min = 1 };
    public static IntegerParam Timestamp { get; } = new() { Min = 0 };
    public static DecimalParam Decimal { get; } = new();
    public static BooleanParam Boolean { get; } = new();
    public static MetadataParam Metadata { get; } = new();
    public static UnsupportedParam Unsupported { get; } = new();
    public static RangeParam Range { get; } = new();
    public static UpToParam UpTo { get; } = new();

    public static CurrencyParam Currency { get; } = new();

    public static StringParam Max(int length) => new() { MaxLength = length };

    public static StringParam Enum(params string[] values) => new() { Values = values };

    public static ArrayParam Array(Param item) => new(item);

    public static ObjectParam Object(params (string Name, Param Param)[] fields) => new(fields);
}

/// <summary>The parameters every endpoint of a kind takes, beside its own.</summary>
public static class RequestSchema
{
    public const string Expand = "expand";

    private static readonly (string, Param) ExpandParam = (Expand, P.Array(P.String));

    /// <summary>A create or update: its own fields and <c>expand</c>.</summary>
    public static ObjectParam Body(params (string Name, Param Param)[] fields) => new ObjectParam(fields).With(ExpandParam);

    /// <summary>A retrieve: only <c>expand</c>.</summary>
    public static ObjectParam Retrieve { get; } = Body();

    /// <summary>A delete takes no parameters.</summary>
    public static ObjectParam Delete { get; } = new([]);

    /// <summary>A list: its filters, <c>expand</c> and the cursor parameters.</summary>
    public static ObjectParam List(params (string Name, Param Param)[] filters) =>
        Body(filters).With(
            ("limit", new IntegerParam { Min = 1, Max = 100 }),
            ("starting_after", P.String),
            ("ending_before", P.String));
}
