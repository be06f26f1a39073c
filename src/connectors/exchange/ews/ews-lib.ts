import ews from 'ews-javascript-api';
import type { TimeZoneInfo as TimeZoneInfoType } from 'ews-javascript-api';
import { applyLibraryPatches } from './library-patches.js';

applyLibraryPatches();

/**
 * ews-javascript-api is CommonJS and Node's ESM loader only sees part of its exports as named
 * exports (e.g. ServiceRequestUnauthorizedException is missing), so every value is taken from the
 * default export here, once. Type aliases with the same names keep `import { X }` usable as a type.
 */
export const {
  Appointment,
  AppointmentSchema,
  AttachmentCollection,
  BasePropertySet,
  CalendarFolder,
  ConflictResolutionMode,
  ConnectingIdType,
  Contact,
  ContactSchema,
  ContactsFolder,
  DateTime,
  DateTimeKind,
  DayOfTheWeek,
  DayOfTheWeekIndex,
  DeleteMode,
  EmailAddress,
  EmailAddressKey,
  EventType,
  ExchangeService,
  ExchangeVersion,
  ExtendedPropertyDefinition,
  FileAttachment,
  Folder,
  FolderId,
  FolderSchema,
  FolderView,
  Guid,
  ImpersonatedUserId,
  ItemId,
  ItemSchema,
  ItemView,
  CalendarView,
  LegacyFreeBusyStatus,
  MapiPropertyType,
  Month,
  OAuthCredentials,
  PhysicalAddressEntry,
  PhysicalAddressKey,
  PhoneNumberKey,
  PropertySet,
  Recurrence,
  SearchFilter,
  SendCancellationsMode,
  SendInvitationsMode,
  SendInvitationsOrCancellationsMode,
  Sensitivity,
  ServiceError,
  ServiceResponseException,
  ServiceRequestException,
  ServiceLocalException,
  SoapFaultDetails,
  StringList,
  SyncFolderItemsScope,
  Task,
  TaskSchema,
  TaskStatus,
  TimeZoneInfo,
  Uri,
  WebCredentials,
  WellKnownFolderName,
  XhrApi,
  NtlmProvider,
  ChangeType,
  BodyType,
  MessageBody,
  AppointmentType,
  MeetingResponseType,
  AttendeeCollection,
  Exception,
  ServiceResult,
  OccurrenceInfo,
  DeletedOccurrenceInfo,
  ItemTraversal,
  Importance,
  ExchangeCredentials,
  Attendee,
  Mailbox,
  ConflictType,
  Item,
  AffectedTaskOccurrence,
  PushSubscription,
  DayOfTheWeekCollection,
  LogicalOperator,
} = ews;

export type Appointment = InstanceType<typeof ews.Appointment>;
export type Task = InstanceType<typeof ews.Task>;
export type Contact = InstanceType<typeof ews.Contact>;
export type ExchangeService = InstanceType<typeof ews.ExchangeService>;
export type XhrApi = InstanceType<typeof ews.XhrApi>;
export type Item = InstanceType<typeof ews.Item>;
export type Folder = InstanceType<typeof ews.Folder>;
export type FolderId = InstanceType<typeof ews.FolderId>;
export type ItemId = InstanceType<typeof ews.ItemId>;
export type PropertySet = InstanceType<typeof ews.PropertySet>;
export type ExtendedPropertyDefinition = InstanceType<typeof ews.ExtendedPropertyDefinition>;
export type Recurrence = InstanceType<typeof ews.Recurrence>;
export type DateTime = InstanceType<typeof ews.DateTime>;
export type SoapFaultDetails = InstanceType<typeof ews.SoapFaultDetails>;
export type ServiceResponseException = InstanceType<typeof ews.ServiceResponseException>;
export type TimeZoneInfo = TimeZoneInfoType;
export type ExtendedPropertyCollection = InstanceType<typeof ews.ExtendedPropertyCollection>;
