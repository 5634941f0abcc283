using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.SetupIntents;

/// <summary>
/// <c>/v1/setup_intents</c> (https://docs.stripe.com/api/setup_intents, https://docs.stripe.com/payments/save-and-reuse):
/// saving a card without a payment, as Elements and the portal do. Confirming with a test card verifies it: a card
/// that works is attached to the intent's customer (<c>payment_method.attached</c>) and the intent
/// <c>succeeded</c> (<c>setup_intent.succeeded</c>); a declined one leaves it <c>requires_payment_method</c> with
/// <c>last_setup_error</c> (<c>setup_intent.setup_failed</c>, answered 402); a card that needs 3D Secure leaves it
/// <c>requires_action</c> (<c>setup_intent.requires_action</c>) until the customer finishes the 3D Secure step on
/// <see cref="SetupIntentPages"/>.
/// </summary>
internal static class SetupIntentResource
{
    public const string Type = "setup_intent";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "setupintent",
        Expandable = new Dictionary<string, string> { ["customer"] = CustomerResource.Type, ["payment_method"] = PaymentMethodResource.Type },
    };

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("customer", P.String),
        ("payment_method", P.String),
        ("confirm", P.Boolean),
        ("usage", P.Enum("off_session", "on_session")),
        ("payment_method_types", P.Array(P.Enum("card"))),
        ("automatic_payment_methods", P.Object(("enabled", P.Boolean.Required()), ("allow_redirects", P.Enum("always", "never")))),
        ("description", P.Max(1000)),
        ("metadata", P.Metadata.Emptyable()),
        ("return_url", P.String),
        ("use_stripe_sdk", P.Boolean),
        ("allowed_payment_method_types", P.Unsupported),
        ("attach_to_self", P.Unsupported),
        ("confirmation_token", P.Unsupported),
        ("customer_account", P.Unsupported),
        ("excluded_payment_method_types", P.Unsupported),
        ("flow_directions", P.Unsupported),
        ("mandate_data", P.Unsupported),
        ("on_behalf_of", P.Unsupported),
        ("payment_method_configuration", P.Unsupported),
        ("payment_method_data", P.Unsupported),
        ("payment_method_options", P.Unsupported),
        ("single_use", P.Unsupported));

    public static ObjectParam ConfirmSchema { get; } = RequestSchema.Body(
        ("payment_method", P.String),
        ("return_url", P.String),
        ("client_secret", P.String),
        ("use_stripe_sdk", P.Boolean),
        ("allowed_payment_method_types", P.Unsupported),
        ("confirmation_token", P.Unsupported),
        ("mandate_data", P.Unsupported),
        ("payment_method_data", P.Unsupported),
        ("payment_method_options", P.Unsupported));

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/setup_intents",
        Create = (CreateSchema, Create),
        Update = (RequestSchema.Body(("customer", P.String), ("payment_method", P.String), ("description", P.Max(1000).Emptyable()), ("metadata", P.Metadata.Emptyable())),
            c => Update(c.Tx, c.Id, c.Params)),
        List = [ListFilter.Created, ListFilter.String("customer"), ListFilter.String("payment_method")],
        Actions =
        [
            new("POST", "/{id}/confirm", ConfirmSchema, Writes: true, Confirm),
            new("POST", "/{id}/cancel", RequestSchema.Body(("cancellation_reason", P.Enum("abandoned", "duplicate", "requested_by_customer"))), Writes: true,
                c => Cancel(c.Tx, c.Id, c.Params.String("cancellation_reason"))),
        ],
    };

    private static JsonObject Create(Call c)
    {
        var p = c.Params;
        string? customerId = null;
        if (p.String("customer") is { } given)
        {
            var customer = c.Tx.Get(CustomerResource.Type, given, "customer", 400);
            c.Tx.UseClockOf(customer);
            customerId = given;
        }
        if (p.Has("automatic_payment_methods") && p.Has("payment_method_types"))
        {
            throw StripeErrors.ParametersExclusive("automatic_payment_methods", "payment_method_types");
        }
        var id = IdGenerator.New("seti");
        var intent = new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["application"] = null,
            ["automatic_payment_methods"] = p.Object("automatic_payment_methods") is { } automatic
                ? new JsonObject { ["allow_redirects"] = automatic.String("allow_redirects") ?? "always", ["enabled"] = automatic.Bool("enabled") }
                : null,
            ["cancellation_reason"] = null,
            ["client_secret"] = $"{id}_secret_{IdGenerator.Code(24)}",
            ["created"] = c.Tx.NowUnix,
            ["customer"] = customerId,
            ["customer_account"] = null,
            ["description"] = p.String("description"),
            ["excluded_payment_method_types"] = null,
            ["flow_directions"] = null,
            ["last_setup_error"] = null,
            ["latest_attempt"] = null,
            ["livemode"] = false,
            ["mandate"] = null,
            ["metadata"] = JsonObjects.NewMetadata(p["metadata"]),
            ["next_action"] = null,
            ["on_behalf_of"] = null,
            ["payment_method"] = null,
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject
            {
                ["card"] = new JsonObject { ["mandate_options"] = null, ["network"] = null, ["request_three_d_secure"] = "automatic" },
            },
            ["payment_method_types"] = new JsonArray("card"),
            ["single_use_mandate"] = null,
            ["status"] = "requires_payment_method",
            ["usage"] = p.String("usage") ?? "off_session",
        };
        if (p.String("payment_method") is { } paymentMethod)
        {
            intent["payment_method"] = PaymentMethodOf(c.Tx, paymentMethod, customerId, "payment_method");
            intent["status"] = "requires_confirmation";
        }
        c.Tx.InsertAndEmit(intent);
        if (p.Bool("confirm") == true)
        {
            if (intent["payment_method"] is null)
            {
                throw StripeErrors.Invalid("You cannot confirm this SetupIntent because it's missing a payment method. Pass `payment_method` with `confirm=true`.", "payment_method");
            }
            return Settle(c, intent);
        }
        return intent;
    }

    private static JsonObject Update(StoreTransaction tx, string id, Params p)
    {
        var before = tx.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        if (before["status"]!.GetValue<string>() is "succeeded" or "canceled")
        {
            throw StripeErrors.Invalid($"You cannot update this SetupIntent because it has a status of {before["status"]}.");
        }
        if (p.String("customer") is { } customer)
        {
            tx.Get(CustomerResource.Type, customer, "customer", 400);
            after["customer"] = customer;
        }
        if (p.String("payment_method") is { } paymentMethod)
        {
            after["payment_method"] = PaymentMethodOf(tx, paymentMethod, after["customer"]?.GetValue<string>(), "payment_method");
            after["status"] = "requires_confirmation";
        }
        if (p.Has("description"))
        {
            after["description"] = p.String("description");
        }
        if (p.Has("metadata"))
        {
            after["metadata"] = JsonObjects.MergeMetadata(after["metadata"] as JsonObject, p["metadata"] as JsonObject);
        }
        tx.UpdateAndEmit(before, after);
        return after;
    }

    private static JsonObject Confirm(Call c)
    {
        var before = c.Tx.Get(Type, c.Id);
        if (before["customer"]?.GetValue<string>() is { } customerId)
        {
            c.Tx.UseClockOf(c.Tx.Find(CustomerResource.Type, customerId));
        }
        var status = before["status"]!.GetValue<string>();
        if (status is not ("requires_payment_method" or "requires_confirmation" or "requires_action"))
        {
            throw new StripeErrorException(400, StripeErrors.InvalidRequest, "setup_intent_unexpected_state",
                $"You cannot confirm this SetupIntent because it has a status of {status}.");
        }
        if (c.Params.String("client_secret") is { } secret && secret != before["client_secret"]!.GetValue<string>())
        {
            throw StripeErrors.Invalid("The client_secret provided does not match the client_secret associated with the SetupIntent.", "client_secret");
        }
        var intent = (JsonObject)before.DeepClone();
        if (c.Params.String("payment_method") is { } paymentMethod)
        {
            intent["payment_method"] = PaymentMethodOf(c.Tx, paymentMethod, intent["customer"]?.GetValue<string>(), "payment_method");
        }
        if (intent["payment_method"] is null)
        {
            throw StripeErrors.Invalid("You cannot confirm this SetupIntent because it's missing a payment method. Update it with `payment_method` or pass one here.", "payment_method");
        }
        return Settle(c, intent);
    }

    /// <summary>Verifies the card: succeeded (attached to the customer), failed (402 after the event), or needs authentication.</summary>
    private static JsonObject Settle(Call c, JsonObject intent)
    {
        var tx = c.Tx;
        var before = tx.Get(Type, intent["id"]!.GetValue<string>());
        var paymentMethodId = intent["payment_method"]!.GetValue<string>();
        var card = TestCards.Of(tx.Get(PaymentMethodResource.Type, paymentMethodId));
        string eventType;
        switch (card.Behavior)
        {
            case CardBehavior.Declines:
                intent["status"] = "requires_payment_method";
                var error = card.LastError();
                error["doc_url"] = $"https://stripe.com/docs/error-codes/{error["code"]!.GetValue<string>().Replace('_', '-')}";
                error["payment_method"] = tx.Get(PaymentMethodResource.Type, paymentMethodId);
                intent["last_setup_error"] = error;
                intent["payment_method"] = null;
                eventType = "setup_intent.setup_failed";
                c.FailAfterCommit = card.Decline();
                break;
            case not CardBehavior.Declines when card.SetupRequiresAuthentication:
                intent["status"] = "requires_action";
                // With a return_url Stripe answers a redirect to its 3D Secure page; the emulator's is SetupIntentPages'.
                var step = SetupIntentPages.AuthenticationUrl(c.BaseUrl, intent["id"]!.GetValue<string>(), c.Params.String("return_url"));
                intent["next_action"] = c.Params.String("return_url") is { } returnUrl
                    ? new JsonObject { ["type"] = "redirect_to_url", ["redirect_to_url"] = new JsonObject { ["return_url"] = returnUrl, ["url"] = step } }
                    : new JsonObject { ["type"] = "use_stripe_sdk", ["use_stripe_sdk"] = new JsonObject { ["type"] = "three_d_secure_redirect", ["stripe_js"] = step } };
                eventType = "setup_intent.requires_action";
                break;
            default:
                intent["status"] = "succeeded";
                intent["last_setup_error"] = null;
                intent["next_action"] = null;
                if (intent["customer"]?.GetValue<string>() is { } customerId)
                {
                    PaymentMethodResource.Attach(tx, paymentMethodId, customerId, "payment_method");
                }
                eventType = "setup_intent.succeeded";
                break;
        }
        tx.Update(intent);
        tx.Emit(eventType, intent, JsonObjects.PreviousAttributes(before, intent));
        return intent;
    }

    /// <summary>
    /// The customer finished the 3D Secure step: authenticated, the card is saved as confirming a working card saves
    /// it; refused, the intent goes back to <c>requires_payment_method</c> with Stripe's
    /// <c>setup_intent_authentication_failure</c> error (https://docs.stripe.com/error-codes#setup-intent-authentication-failure).
    /// </summary>
    internal static JsonObject FinishAuthentication(StoreTransaction tx, string id, bool succeed)
    {
        var before = tx.Get(Type, id);
        if (before["customer"]?.GetValue<string>() is { } owner)
        {
            tx.UseClockOf(tx.Find(CustomerResource.Type, owner));
        }
        if (before["status"]!.GetValue<string>() != "requires_action")
        {
            throw new StripeErrorException(400, StripeErrors.InvalidRequest, "setup_intent_unexpected_state",
                $"This SetupIntent has a status of {before["status"]}; only one that requires action can be authenticated.");
        }
        var intent = (JsonObject)before.DeepClone();
        intent["next_action"] = null;
        var paymentMethodId = intent["payment_method"]!.GetValue<string>();
        string eventType;
        if (succeed)
        {
            intent["status"] = "succeeded";
            intent["last_setup_error"] = null;
            TestCards.Authenticated(tx, tx.Get(PaymentMethodResource.Type, paymentMethodId));
            if (intent["customer"]?.GetValue<string>() is { } customerId)
            {
                PaymentMethodResource.Attach(tx, paymentMethodId, customerId, "payment_method");
            }
            eventType = "setup_intent.succeeded";
        }
        else
        {
            intent["status"] = "requires_payment_method";
            intent["last_setup_error"] = new JsonObject
            {
                ["code"] = "setup_intent_authentication_failure",
                ["doc_url"] = "https://stripe.com/docs/error-codes/setup-intent-authentication-failure",
                ["message"] = "The provided payment method has failed authentication. Provide a new payment method to attempt to fulfill this SetupIntent again.",
                ["payment_method"] = tx.Get(PaymentMethodResource.Type, paymentMethodId),
                ["type"] = "invalid_request_error",
            };
            intent["payment_method"] = null;
            eventType = "setup_intent.setup_failed";
        }
        tx.Update(intent);
        tx.Emit(eventType, intent, JsonObjects.PreviousAttributes(before, intent));
        return intent;
    }

    private static JsonObject Cancel(StoreTransaction tx, string id, string? reason)
    {
        var before = tx.Get(Type, id);
        if (before["status"]!.GetValue<string>() is "succeeded" or "canceled")
        {
            throw new StripeErrorException(400, StripeErrors.InvalidRequest, "setup_intent_unexpected_state",
                $"You cannot cancel this SetupIntent because it has a status of {before["status"]}.");
        }
        var after = (JsonObject)before.DeepClone();
        after["status"] = "canceled";
        after["cancellation_reason"] = reason;
        after["next_action"] = null;
        tx.Update(after);
        tx.Emit("setup_intent.canceled", after, JsonObjects.PreviousAttributes(before, after));
        return after;
    }

    /// <summary>A test token becomes a new payment method; an existing one must be unattached or the intent customer's.</summary>
    private static string PaymentMethodOf(StoreTransaction tx, string id, string? customerId, string param)
    {
        if (TestCards.IsToken(id) || id.StartsWith("tok_", StringComparison.Ordinal))
        {
            return PaymentMethodResource.FromToken(tx, id, param)["id"]!.GetValue<string>();
        }
        var pm = tx.Get(PaymentMethodResource.Type, id, param, 400);
        if (pm["customer"]?.GetValue<string>() is { } owner && owner != customerId)
        {
            throw StripeErrors.Invalid($"The payment method {id} belongs to another customer.", param);
        }
        return id;
    }
}
