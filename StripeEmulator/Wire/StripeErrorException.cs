namespace Yapit.StripeEmulator.Wire;

/// <summary>A request refused the way Stripe refuses it: an HTTP status and the error body's type, code, message and param.</summary>
public sealed class StripeErrorException(int status, string type, string? code, string message, string? param = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Code { get; } = code;
    public string? Param { get; } = param;

    /// <summary>
    /// Refused before the endpoint started executing (bad parameters, authentication). Stripe keeps no idempotent
    /// result for such a request, so a corrected retry with the same key still runs.
    /// </summary>
    public bool IsValidation { get; init; }

    /// <summary>A card error's reason (<c>insufficient_funds</c>), as <c>error.decline_code</c>.</summary>
    public string? DeclineCode { get; init; }
}

/// <summary>Stripe's error codes and messages, in one place so every resource words them alike.</summary>
public static class StripeErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string IdempotencyError = "idempotency_error";
    public const string ApiError = "api_error";

    public static StripeErrorException ParameterUnknown(string param) =>
        new(400, InvalidRequest, "parameter_unknown", $"Received unknown parameter: {param}", param) { IsValidation = true };

    public static StripeErrorException ParameterMissing(string param) =>
        new(400, InvalidRequest, "parameter_missing", $"Missing required param: {param}.", param) { IsValidation = true };

    public static StripeErrorException InvalidInteger(string param, string value) =>
        new(400, InvalidRequest, "parameter_invalid_integer", $"Invalid integer: {value}", param) { IsValidation = true };

    public static StripeErrorException IntegerOutOfRange(string param, string message) =>
        new(400, InvalidRequest, "parameter_invalid_integer", message, param) { IsValidation = true };

    public static StripeErrorException InvalidEmpty(string param) =>
        new(400, InvalidRequest, "parameter_invalid_empty",
            $"You passed an empty string for '{param}'. We assume empty values are an attempt to unset a parameter; however '{param}' cannot be unset. You should remove '{param}' from your request or supply a non-empty value.",
            param) { IsValidation = true };

    /// <summary>A value of the wrong kind or outside its allowed set; Stripe gives these no code.</summary>
    public static StripeErrorException InvalidValue(string param, string message) =>
        new(400, InvalidRequest, null, message, param) { IsValidation = true };

    public static StripeErrorException ParametersExclusive(params string[] parameters) =>
        new(400, InvalidRequest, "parameters_exclusive", $"You may only specify one of these parameters: {string.Join(", ", parameters)}.", parameters[0]);

    /// <summary>An object named in the URL (404) or in a parameter (400) does not exist.</summary>
    public static StripeErrorException ResourceMissing(string noun, string id, string param = "id", int status = 404) =>
        new(status, InvalidRequest, "resource_missing", $"No such {noun}: '{id}'", param);

    public static StripeErrorException ResourceAlreadyExists(string message, string param) =>
        new(400, InvalidRequest, "resource_already_exists", message, param);

    /// <summary>The request is well formed but the object's state does not allow it.</summary>
    public static StripeErrorException Invalid(string message, string? param = null) =>
        new(400, InvalidRequest, null, message, param);

    public static StripeErrorException CannotExpand(string path) =>
        new(400, InvalidRequest, null, $"This property cannot be expanded ({path}).", "expand") { IsValidation = true };

    public static StripeErrorException UnrecognizedUrl(string method, string path) =>
        new(404, InvalidRequest, null, $"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.") { IsValidation = true };

    public static StripeErrorException MissingApiKey() =>
        new(401, InvalidRequest, null,
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.")
        { IsValidation = true };

    public static string DeclineMessage(string declineCode) => declineCode switch
    {
        "insufficient_funds" => "Your card has insufficient funds.",
        "expired_card" => "Your card has expired.",
        "incorrect_cvc" => "Your card's security code is incorrect.",
        "processing_error" => "An error occurred while processing your card. Try again in a little bit.",
        _ => "Your card was declined.",
    };

    public static StripeErrorException InvalidApiKey(string redacted) =>
        new(401, InvalidRequest, null, $"Invalid API Key provided: {redacted}") { IsValidation = true };
}
