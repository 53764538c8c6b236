// Package remediate removes setup access keys safely: it turns failing scan results into a
// plan, re-verifies each key against live IAM right before acting on it, journals every
// change, and plans the undo of a journaled run.
//
// A run has three steps:
//
//	plan := remediate.NewPlan(results, remediate.PlanOptions{Action: remediate.Deactivate})
//	// print plan, ask for confirmation ...
//	err := (&remediate.Applier{Clients: clients, Journal: j, RunID: id}).Apply(ctx, plan)
//
// NewPlan never calls AWS. Apply re-reads each key (ListAccessKeys, GetAccessKeyLastUsed,
// GetLoginProfile) and skips any key whose state changed since the scan, so a key used a
// minute ago survives.
//
// # Journal
//
// The journal is an append-only JSON Lines file. Before each change Apply writes and syncs
// an intent record, and after it an outcome record:
//
//	{"run_id":"20250610T120000Z-3f9a1c","time":"...","type":"intent","account_id":"111122223333",
//	 "user_name":"alice","access_key_id":"AKIA...","action":"deactivate",
//	 "before":{"status":"Active","console_password":true}}
//	{"run_id":"20250610T120000Z-3f9a1c","time":"...","type":"outcome", ...,"outcome":"done"}
//
// An intent without an outcome means the process stopped during the call; Reconcile reads
// the key's live state and appends the outcome it finds. Records hold IDs, names, statuses
// and times only, never secrets.
package remediate
