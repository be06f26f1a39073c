import type { ItemKind } from './store.js';

/**
 * Element order of the EWS item types (types.xsd sequences, as listed on the learn.microsoft.com
 * pages "CalendarItem", "Task", "Contact" and "Item"). Responses are written in this order and
 * request elements outside it are schema violations.
 */
export const ITEM_ORDER = [
  'MimeContent', 'ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Sensitivity', 'Body', 'Attachments', 'DateTimeReceived',
  'Size', 'Categories', 'Importance', 'InReplyTo', 'IsSubmitted', 'IsDraft', 'IsFromMe', 'IsResend', 'IsUnmodified',
  'InternetMessageHeaders', 'DateTimeSent', 'DateTimeCreated', 'ResponseObjects', 'ReminderDueBy', 'ReminderIsSet',
  'ReminderNextTime', 'ReminderMinutesBeforeStart', 'DisplayCc', 'DisplayTo', 'DisplayBcc', 'HasAttachments', 'ExtendedProperty',
  'Culture', 'EffectiveRights', 'LastModifiedName', 'LastModifiedTime', 'IsAssociated', 'WebClientReadFormQueryString',
  'WebClientEditFormQueryString', 'ConversationId', 'UniqueBody', 'Flag', 'StoreEntryId', 'InstanceKey', 'NormalizedBody',
  'EntityExtractionResult', 'PolicyTag', 'ArchiveTag', 'RetentionDate', 'Preview', 'RightsManagementLicenseData',
  'PredictedActionReasons', 'IsClutter', 'BlockStatus', 'HasBlockedImages', 'TextBody', 'IconIndex', 'SearchKey', 'SortKey',
  'Hashtags', 'MentionedMe', 'Mentions', 'MentionsEx', 'MentionsPreview', 'PendingSocialActivityTagIds',
];

const CALENDAR_ORDER = [
  'UID', 'RecurrenceId', 'DateTimeStamp', 'Start', 'End', 'OriginalStart', 'IsAllDayEvent', 'LegacyFreeBusyStatus', 'Location',
  'When', 'IsMeeting', 'IsCancelled', 'IsRecurring', 'MeetingRequestWasSent', 'IsResponseRequested', 'CalendarItemType',
  'MyResponseType', 'Organizer', 'RequiredAttendees', 'OptionalAttendees', 'Resources', 'ConflictingMeetingCount',
  'AdjacentMeetingCount', 'ConflictingMeetings', 'AdjacentMeetings', 'Duration', 'TimeZone', 'AppointmentReplyTime',
  'AppointmentSequenceNumber', 'AppointmentState', 'Recurrence', 'FirstOccurrence', 'LastOccurrence', 'ModifiedOccurrences',
  'DeletedOccurrences', 'MeetingTimeZone', 'StartTimeZone', 'EndTimeZone', 'ConferenceType', 'AllowNewTimeProposal',
  'IsOnlineMeeting', 'MeetingWorkspaceUrl', 'NetShowUrl', 'EnhancedLocation', 'StartWallClock', 'EndWallClock',
  'StartTimeZoneId', 'EndTimeZoneId', 'IntendedFreeBusyStatus', 'JoinOnlineMeetingUrl', 'OnlineMeetingSettings', 'IsOrganizer',
  'CalendarActivityData', 'DoNotForwardMeeting',
];

const TASK_ORDER = [
  'ActualWork', 'AssignedTime', 'BillingInformation', 'ChangeCount', 'Companies', 'CompleteDate', 'Contacts', 'DelegationState',
  'Delegator', 'DueDate', 'IsAssignmentEditable', 'IsComplete', 'IsRecurring', 'IsTeamTask', 'Mileage', 'Owner',
  'PercentComplete', 'Recurrence', 'StartDate', 'Status', 'StatusDescription', 'TotalWork',
];

const CONTACT_ORDER = [
  'FileAs', 'FileAsMapping', 'DisplayName', 'GivenName', 'Initials', 'MiddleName', 'Nickname', 'CompleteName', 'CompanyName',
  'EmailAddresses', 'AbchEmailAddresses', 'PhysicalAddresses', 'PhoneNumbers', 'AssistantName', 'Birthday', 'BusinessHomePage',
  'Children', 'Companies', 'ContactSource', 'Department', 'Generation', 'ImAddresses', 'JobTitle', 'Manager', 'Mileage',
  'OfficeLocation', 'PostalAddressIndex', 'Profession', 'SpouseName', 'Surname', 'WeddingAnniversary', 'HasPicture',
  'PhoneticFullName', 'PhoneticFirstName', 'PhoneticLastName', 'Alias', 'Notes', 'Photo', 'UserSMIMECertificate',
  'MSExchangeCertificate', 'DirectoryId', 'ManagerMailbox', 'DirectReports',
];

const MESSAGE_ORDER = [
  'Sender', 'ToRecipients', 'CcRecipients', 'BccRecipients', 'IsReadReceiptRequested', 'IsDeliveryReceiptRequested',
  'ConversationIndex', 'ConversationTopic', 'From', 'InternetMessageId', 'IsRead', 'IsResponseRequested', 'References',
  'ReplyTo', 'ReceivedBy', 'ReceivedRepresenting',
];

const ORDER: Record<ItemKind, string[]> = {
  CalendarItem: [...ITEM_ORDER, ...CALENDAR_ORDER],
  Task: [...ITEM_ORDER, ...TASK_ORDER],
  Contact: [...ITEM_ORDER, ...CONTACT_ORDER],
  Message: [...ITEM_ORDER, ...MESSAGE_ORDER],
};

export function orderFor(kind: ItemKind): string[] {
  return ORDER[kind];
}

export const ITEM_KINDS: ItemKind[] = ['CalendarItem', 'Task', 'Contact', 'Message'];

/** Properties the server computes; a client setting them is refused (ErrorInvalidPropertySet). */
export const READ_ONLY = new Set([
  'ItemId', 'ParentFolderId', 'DateTimeReceived', 'Size', 'DateTimeCreated', 'DateTimeSent', 'HasAttachments', 'LastModifiedTime',
  'LastModifiedName', 'CalendarItemType', 'IsRecurring', 'FirstOccurrence', 'LastOccurrence', 'ModifiedOccurrences',
  'DeletedOccurrences', 'MyResponseType', 'IsMeeting', 'AppointmentState', 'IsComplete', 'Attachments', 'EffectiveRights',
  'ConflictingMeetingCount', 'AdjacentMeetingCount', 'OriginalStart', 'Duration', 'MeetingRequestWasSent', 'IsCancelled',
  'DateTimeStamp', 'ChangeCount', 'IsAssignmentEditable', 'IsTeamTask', 'DelegationState', 'Delegator', 'Owner', 'HasPicture',
  'CompleteName', 'InstanceKey', 'ConversationId', 'StoreEntryId',
]);

/** Not returned by FindItem even with AllProperties ("FindItem operation", remarks: no Body, attachments, recipients). */
export const NOT_IN_FIND = new Set(['Body', 'Attachments', 'RequiredAttendees', 'OptionalAttendees', 'Resources', 'ModifiedOccurrences', 'DeletedOccurrences', 'MimeContent', 'UniqueBody', 'TextBody', 'NormalizedBody']);

/** Default shape per kind (a subset; AllProperties returns everything stored or computed). */
export const DEFAULT_SHAPE: Record<ItemKind, string[]> = {
  CalendarItem: [
    'ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Sensitivity', 'Body', 'Attachments', 'DateTimeReceived', 'Size', 'Categories',
    'Importance', 'DateTimeCreated', 'ReminderIsSet', 'ReminderMinutesBeforeStart', 'HasAttachments', 'LastModifiedTime', 'UID',
    'Start', 'End', 'IsAllDayEvent', 'LegacyFreeBusyStatus', 'Location', 'IsMeeting', 'IsCancelled', 'IsRecurring',
    'CalendarItemType', 'MyResponseType', 'Organizer', 'RequiredAttendees', 'OptionalAttendees',
  ],
  Task: [
    'ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Sensitivity', 'Body', 'Attachments', 'Size', 'Categories', 'Importance',
    'DateTimeCreated', 'HasAttachments', 'LastModifiedTime', 'DueDate', 'IsComplete', 'IsRecurring', 'PercentComplete',
    'StartDate', 'Status',
  ],
  Contact: [
    'ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Body', 'Attachments', 'Categories', 'DateTimeCreated', 'HasAttachments',
    'LastModifiedTime', 'FileAs', 'DisplayName', 'GivenName', 'Surname', 'CompanyName', 'EmailAddresses', 'PhysicalAddresses',
    'PhoneNumbers', 'JobTitle',
  ],
  Message: ['ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Body', 'Attachments', 'HasAttachments', 'DateTimeCreated', 'IsRead', 'From', 'ToRecipients'],
};

export const ITEM_CLASS: Record<ItemKind, string> = {
  CalendarItem: 'IPM.Appointment',
  Task: 'IPM.Task',
  Contact: 'IPM.Contact',
  Message: 'IPM.Note',
};

/** Dictionary (indexed) properties: IndexedFieldURI FieldURI → container element. */
export const INDEXED: Record<string, string> = {
  'contacts:EmailAddress': 'EmailAddresses',
  'contacts:PhoneNumber': 'PhoneNumbers',
  'contacts:ImAddress': 'ImAddresses',
  'contacts:PhysicalAddress': 'PhysicalAddresses',
};

/** Well-known property set GUIDs ("DistinguishedPropertySetId", EWS reference / MS-OXPROPS). */
export const PROPERTY_SETS: Record<string, string> = {
  PublicStrings: '00020329-0000-0000-c000-000000000046',
  Common: '00062008-0000-0000-c000-000000000046',
  Appointment: '00062002-0000-0000-c000-000000000046',
  Task: '00062003-0000-0000-c000-000000000046',
  Address: '00062004-0000-0000-c000-000000000046',
  Meeting: '6ed8da90-450b-101b-98da-00aa003f1305',
  InternetHeaders: '00020386-0000-0000-c000-000000000046',
  CalendarAssistant: '11000e07-b51b-40d6-af21-caa85edab1d0',
  UnifiedMessaging: '4442858e-a9e3-4e80-b900-317a210cc15b',
  Sharing: '00062040-0000-0000-c000-000000000046',
};

/**
 * Item properties whose schema type has child elements. Every other property is a simple type, so
 * child elements inside it are a schema violation — which is what Exchange answers when a client
 * sends unescaped markup (ews-javascript-api 0.15 writes string values without XML-escaping them).
 */
export const COMPLEX_PROPS = new Set([
  'Attachments', 'Categories', 'RequiredAttendees', 'OptionalAttendees', 'Resources', 'Organizer', 'Recurrence', 'StartTimeZone',
  'EndTimeZone', 'MeetingTimeZone', 'EmailAddresses', 'PhysicalAddresses', 'PhoneNumbers', 'ImAddresses', 'ExtendedProperty',
  'Companies', 'Contacts', 'Children', 'ModifiedOccurrences', 'DeletedOccurrences', 'EnhancedLocation', 'Flag', 'ResponseObjects',
  'InternetMessageHeaders', 'CompleteName', 'Sender', 'From', 'ToRecipients', 'CcRecipients', 'BccRecipients', 'ReplyTo',
  'ReceivedBy', 'ReceivedRepresenting', 'EffectiveRights', 'FirstOccurrence', 'LastOccurrence', 'ConflictingMeetings',
  'AdjacentMeetings', 'OnlineMeetingSettings', 'ManagerMailbox', 'DirectReports', 'PhoneticFullName', 'Photo',
  'UserSMIMECertificate', 'MSExchangeCertificate', 'ItemId', 'ParentFolderId', 'ConversationId', 'PolicyTag', 'ArchiveTag',
]);
