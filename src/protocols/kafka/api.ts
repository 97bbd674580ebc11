// Kafka API keys: their names, and from which version each uses the "flexible" encoding of
// KIP-482 (compact strings and arrays, tagged fields, request header v2 / response header v1).
// From the message definitions of Apache Kafka (clients/src/main/resources/common/message).

export const API_PRODUCE = 0;
export const API_FETCH = 1;
export const API_LIST_OFFSETS = 2;
export const API_METADATA = 3;
export const API_OFFSET_COMMIT = 8;
export const API_OFFSET_FETCH = 9;
export const API_FIND_COORDINATOR = 10;
export const API_JOIN_GROUP = 11;
export const API_HEARTBEAT = 12;
export const API_LEAVE_GROUP = 13;
export const API_SYNC_GROUP = 14;
export const API_DESCRIBE_GROUPS = 15;
export const API_SASL_HANDSHAKE = 17;
export const API_API_VERSIONS = 18;
export const API_CREATE_TOPICS = 19;
export const API_DELETE_TOPICS = 20;
export const API_INIT_PRODUCER_ID = 22;
export const API_ADD_OFFSETS_TO_TXN = 25;
export const API_END_TXN = 26;
export const API_SASL_AUTHENTICATE = 36;

/** [name, first flexible version (Infinity: none)], indexed by api key. */
const APIS: readonly (readonly [string, number])[] = [
  ['Produce', 9], ['Fetch', 12], ['ListOffsets', 6], ['Metadata', 9], ['LeaderAndIsr', 4], ['StopReplica', 2],
  ['UpdateMetadata', 6], ['ControlledShutdown', 3], ['OffsetCommit', 8], ['OffsetFetch', 6], ['FindCoordinator', 3],
  ['JoinGroup', 6], ['Heartbeat', 4], ['LeaveGroup', 4], ['SyncGroup', 4], ['DescribeGroups', 5], ['ListGroups', 3],
  ['SaslHandshake', Infinity], ['ApiVersions', 3], ['CreateTopics', 5], ['DeleteTopics', 4], ['DeleteRecords', 2],
  ['InitProducerId', 2], ['OffsetForLeaderEpoch', 4], ['AddPartitionsToTxn', 3], ['AddOffsetsToTxn', 3], ['EndTxn', 3],
  ['WriteTxnMarkers', 1], ['TxnOffsetCommit', 3], ['DescribeAcls', 2], ['CreateAcls', 2], ['DeleteAcls', 2],
  ['DescribeConfigs', 4], ['AlterConfigs', 2], ['AlterReplicaLogDirs', 2], ['DescribeLogDirs', 2],
  ['SaslAuthenticate', 2], ['CreatePartitions', 2], ['CreateDelegationToken', 2], ['RenewDelegationToken', 2],
  ['ExpireDelegationToken', 2], ['DescribeDelegationToken', 2], ['DeleteGroups', 2], ['ElectLeaders', 2],
  ['IncrementalAlterConfigs', 1], ['AlterPartitionReassignments', 0], ['ListPartitionReassignments', 0],
  ['OffsetDelete', Infinity], ['DescribeClientQuotas', 1], ['AlterClientQuotas', 1],
  ['DescribeUserScramCredentials', 0], ['AlterUserScramCredentials', 0], ['Vote', 0], ['BeginQuorumEpoch', 1],
  ['EndQuorumEpoch', 1], ['DescribeQuorum', 0], ['AlterPartition', 0], ['UpdateFeatures', 0], ['Envelope', 0],
  ['FetchSnapshot', 0], ['DescribeCluster', 0], ['DescribeProducers', 0], ['BrokerRegistration', 0],
  ['BrokerHeartbeat', 0], ['UnregisterBroker', 0], ['DescribeTransactions', 0], ['ListTransactions', 0],
  ['AllocateProducerIds', 0], ['ConsumerGroupHeartbeat', 0], ['ConsumerGroupDescribe', 0],
  ['ControllerRegistration', 0], ['GetTelemetrySubscriptions', 0], ['PushTelemetry', 0], ['AssignReplicasToDirs', 0],
  ['ListClientMetricsResources', 0], ['DescribeTopicPartitions', 0], ['ShareGroupHeartbeat', 0],
  ['ShareGroupDescribe', 0], ['ShareFetch', 0], ['ShareAcknowledge', 0], ['AddRaftVoter', 0], ['RemoveRaftVoter', 0],
  ['UpdateRaftVoter', 0], ['InitializeShareGroupState', 0], ['ReadShareGroupState', 0], ['WriteShareGroupState', 0],
  ['DeleteShareGroupState', 0], ['ReadShareGroupStateSummary', 0], ['StreamsGroupHeartbeat', 0],
  ['StreamsGroupDescribe', 0], ['DescribeShareGroupOffsets', 0], ['AlterShareGroupOffsets', 0],
  ['DeleteShareGroupOffsets', 0],
];

/** Highest api key this parser has a name for; detection accepts nothing above it. */
export const MAX_API_KEY = APIS.length - 1;
/** Highest api version detection accepts (the highest any API had in 2025 was 17, Fetch). */
export const MAX_API_VERSION = 20;

/** `Produce`, `Fetch`, ...; `ApiKey<n>` for keys without a name here. */
export function apiName(apiKey: number): string {
  return APIS[apiKey]?.[0] ?? `ApiKey${apiKey}`;
}

/** Whether (key, version) uses the flexible encoding; unknown keys are assumed not to. */
export function isFlexible(apiKey: number, apiVersion: number): boolean {
  const entry = APIS[apiKey];
  return entry !== undefined && apiVersion >= entry[1];
}

/** Response header v1 (with tagged fields) goes with flexible requests, except ApiVersions (always v0). */
export function responseHeaderIsFlexible(apiKey: number, apiVersion: number): boolean {
  return apiKey !== API_API_VERSIONS && isFlexible(apiKey, apiVersion);
}
