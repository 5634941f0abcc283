namespace Yapit.BillingWorker.Inbox;

/// <summary>
/// A failure no retry can fix (the stored payload cannot be read as an event of its type, or it was written for an
/// API version whose shape we cannot read). The dispatcher dead-letters the event at once, with this message as the
/// reason, instead of retrying it for minutes.
/// </summary>
public sealed class PermanentEventFailureException(string message, Exception? innerException = null) : Exception(message, innerException);
