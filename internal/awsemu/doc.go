// Package awsemu is a local emulator of the AWS IAM, STS and Organizations APIs, built for
// keywarden's tests.
//
// One HTTP endpoint serves all three services using the real wire protocols, so the
// unmodified aws-sdk-go-v2 clients and the AWS CLI can talk to it through a custom endpoint
// URL:
//
//   - IAM and STS use the Query protocol: a form POST with Action= and Version=, answered
//     with XML in the service's namespace.
//   - Organizations uses JSON 1.1, routed by the X-Amz-Target header.
//
// The emulated world is described by a [Scenario], usually read from a JSON file with
// [ParseScenario] or [LoadScenario] (the format is documented in README.md). The emulated
// clock starts at the scenario's "now" and advances with real time.
//
// Requests are attributed to a caller by the access key ID in the SigV4 Authorization
// header. Signatures are never verified: the emulator only needs to know who is calling,
// and tests gain nothing from signature checks. A known long-term key acts as its user and
// records its last use, as AWS does. Temporary credentials from AssumeRole act as an
// administrator of the assumed account. Any other key acts as the root user of the first
// account in the scenario.
//
// Faults (errors and latency) can be injected per action and account, and every request is
// counted, so tests can check how a client copes with throttling and how many calls it made.
//
// BUG(keywarden): Only the IAM, STS and Organizations operations that keywarden uses are
// implemented; any other action is answered with InvalidAction. IAM policies are not
// evaluated: every known caller may call every operation in its account.
package awsemu
