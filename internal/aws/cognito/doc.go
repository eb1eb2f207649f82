// Package cognito is deadbolt's Amazon Cognito user pool trigger: it asks
// deadbolt whether the account signing in is locked, and refuses the
// sign-in when it is.
//
// One handler serves the PreAuthentication trigger (the gate: it runs
// before Cognito checks the password) and PostAuthentication (a second
// check after a successful sign-in; an error there also fails the
// sign-in). When STEPUP_ISSUER is set, the same function also serves the
// custom authentication triggers (StepUp, stepup.go): Define asks for the
// password and then a CUSTOM_CHALLENGE, Create builds an authorization
// request to deadbolt's OpenID provider, Verify exchanges the code the web
// client got back and checks the id_token with go-oidc. Other trigger
// sources are refused with ErrEvent, since running this function on them
// is a deployment mistake.
//
// For each event the handler:
//
//   - passes sign-ins through app clients other than the configured
//     CLIENT_ID values (all clients are checked when none is configured),
//     and events with userNotFound (Cognito fails those itself);
//   - takes the account name from the Cognito user name (or a configured
//     user attribute) and the context from validationData (PreAuthentication;
//     the ClientMetadata given to InitiateAuth) or clientMetadata
//     (PostAuthentication): keys ip, device, location and additionalData, a
//     JSON string sent on as integrationData (when it is not valid JSON it
//     is logged and sent as a string);
//   - returns the event unchanged when the account is unlocked;
//   - returns a *Denial whose text is exactly the configured locked message
//     when it is locked; Cognito shows it to the client as
//     "PreAuthentication failed with error <message>.";
//   - applies the fail mode when the check cannot decide (deadbolt down, too
//     slow, 5xx, a malformed answer): closed denies with the same message,
//     open lets the sign-in proceed; either way the reason is logged.
//
// Every invocation writes one JSON log record (log/slog) with the trigger,
// account, outcome and reason. Keys and tokens are never logged.
package cognito
