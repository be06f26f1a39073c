"! <p class="shorttext synchronized">Tandem: builds the CloudEvents Tandem ingests</p>
"! CloudEvents 1.0, structured JSON mode. Pure ABAP (no database, no SAP-only types) so that its
"! unit tests also run outside SAP; the sender, the hooks and the reports use it to build every event.
"! Events are triggers: data only names the object, Tandem re-reads the object over OData.
CLASS zcl_tandem_event DEFINITION PUBLIC FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    TYPES ty_action TYPE c LENGTH 1.
    TYPES ty_object_type TYPE c LENGTH 10.
    "! Activity GUID as stored in the one-order tables (RAW 16 shown as 32 hex characters)
    TYPES ty_guid_hex TYPE c LENGTH 32.
    TYPES ty_partner TYPE c LENGTH 10.
    "! UTC time stamp YYYYMMDDhhmmss (type TIMESTAMP)
    TYPES ty_timestamp TYPE p LENGTH 8 DECIMALS 0.

    CONSTANTS:
      BEGIN OF gc_action,
        created TYPE ty_action VALUE 'C',
        changed TYPE ty_action VALUE 'U',
        deleted TYPE ty_action VALUE 'D',
      END OF gc_action.

    CONSTANTS:
      BEGIN OF gc_object,
        appointment      TYPE ty_object_type VALUE 'BUS2000126',
        task             TYPE ty_object_type VALUE 'BUS2000125',
        business_partner TYPE ty_object_type VALUE 'BUS1006',
        relationship     TYPE ty_object_type VALUE 'BUS1006001',
        heartbeat        TYPE ty_object_type VALUE 'HEARTBEAT',
      END OF gc_object.

    CONSTANTS gc_heartbeat_type TYPE string VALUE `sap.s4.tandem.heartbeat.v1`.

    "! @parameter iv_system | system ID (SY-SYSID)
    "! @parameter iv_client | client (SY-MANDT)
    METHODS constructor
      IMPORTING
        iv_system TYPE csequence
        iv_client TYPE csequence.

    "! Appointment (BUS2000126) or task (BUS2000125) created, changed or deleted
    METHODS activity
      IMPORTING
        iv_id           TYPE csequence
        iv_object_type  TYPE ty_object_type
        iv_action       TYPE ty_action
        iv_guid         TYPE ty_guid_hex
        iv_process_type TYPE csequence
        iv_changed_at   TYPE ty_timestamp
      RETURNING
        VALUE(rv_json)  TYPE string.

    "! Business partner (BUS1006) created, changed or deleted
    METHODS business_partner
      IMPORTING
        iv_id          TYPE csequence
        iv_action      TYPE ty_action
        iv_partner     TYPE ty_partner
        iv_changed_at  TYPE ty_timestamp
      RETURNING
        VALUE(rv_json) TYPE string.

    "! Relationship (BUR001 contact person, BUR011 employee responsible, ...) created, changed or deleted
    METHODS relationship
      IMPORTING
        iv_id          TYPE csequence
        iv_action      TYPE ty_action
        iv_partner1    TYPE ty_partner
        iv_partner2    TYPE ty_partner
        iv_category    TYPE csequence
        iv_changed_at  TYPE ty_timestamp
      RETURNING
        VALUE(rv_json) TYPE string.

    "! Sent every few minutes by the sender job, so Tandem can tell a silent system from a quiet one
    METHODS heartbeat
      IMPORTING
        iv_id          TYPE csequence
        iv_sent_at     TYPE ty_timestamp
        iv_pending     TYPE i
        iv_failed      TYPE i
      RETURNING
        VALUE(rv_json) TYPE string.

    "! The CloudEvents type for an object type and action; empty when Tandem has no such event
    CLASS-METHODS event_type
      IMPORTING
        iv_object_type TYPE ty_object_type
        iv_action      TYPE ty_action
      RETURNING
        VALUE(rv_type) TYPE string.

    "! 32 hex characters to the canonical lower-case 8-4-4-4-12 form
    CLASS-METHODS format_guid
      IMPORTING
        iv_guid        TYPE ty_guid_hex
      RETURNING
        VALUE(rv_guid) TYPE string.

    "! TIMESTAMP (UTC) to RFC 3339, e.g. 2026-11-22T09:14:03Z
    CLASS-METHODS format_timestamp
      IMPORTING
        iv_timestamp   TYPE ty_timestamp
      RETURNING
        VALUE(rv_text) TYPE string.

    "! A JSON string literal (with quotes) for any text
    CLASS-METHODS json_string
      IMPORTING
        iv_text        TYPE csequence
      RETURNING
        VALUE(rv_json) TYPE string.

  PRIVATE SECTION.
    DATA mv_source TYPE string.

    METHODS envelope
      IMPORTING
        iv_id          TYPE csequence
        iv_type        TYPE string
        iv_subject     TYPE string
        iv_time        TYPE ty_timestamp
        iv_data        TYPE string
      RETURNING
        VALUE(rv_json) TYPE string.

    CLASS-METHODS action_suffix
      IMPORTING
        iv_action        TYPE ty_action
      RETURNING
        VALUE(rv_suffix) TYPE string.

    CLASS-METHODS member
      IMPORTING
        iv_name        TYPE string
        iv_value       TYPE csequence
      RETURNING
        VALUE(rv_json) TYPE string.
ENDCLASS.



CLASS zcl_tandem_event IMPLEMENTATION.

  METHOD constructor.
    " SAP's own S/4 events name system and client the same way.
    mv_source = |/default/sap.s4.beh/{ condense( val = iv_system ) }CLNT{ condense( val = iv_client ) }|.
  ENDMETHOD.


  METHOD activity.
    DATA lv_type TYPE string.
    DATA lv_guid TYPE string.
    DATA lv_data TYPE string.

    lv_type = event_type( iv_object_type = iv_object_type
                          iv_action      = iv_action ).
    lv_guid = format_guid( iv_guid ).
    lv_data = `{` && member( iv_name = `ActivityUUID` iv_value = lv_guid ).
    IF iv_process_type IS NOT INITIAL.
      lv_data = lv_data && `,` && member( iv_name = `ProcessType` iv_value = condense( val = iv_process_type ) ).
    ENDIF.
    lv_data = lv_data && `}`.
    rv_json = envelope( iv_id      = iv_id
                        iv_type    = lv_type
                        iv_subject = lv_guid
                        iv_time    = iv_changed_at
                        iv_data    = lv_data ).
  ENDMETHOD.


  METHOD business_partner.
    DATA lv_partner TYPE string.
    DATA lv_data TYPE string.

    lv_partner = condense( val = iv_partner ).
    lv_data = `{` && member( iv_name = `BusinessPartner` iv_value = lv_partner ) && `}`.
    rv_json = envelope( iv_id      = iv_id
                        iv_type    = event_type( iv_object_type = gc_object-business_partner
                                                 iv_action      = iv_action )
                        iv_subject = lv_partner
                        iv_time    = iv_changed_at
                        iv_data    = lv_data ).
  ENDMETHOD.


  METHOD relationship.
    DATA lv_partner1 TYPE string.
    DATA lv_partner2 TYPE string.
    DATA lv_category TYPE string.
    DATA lv_data TYPE string.

    lv_partner1 = condense( val = iv_partner1 ).
    lv_partner2 = condense( val = iv_partner2 ).
    lv_category = condense( val = iv_category ).
    lv_data = `{` && member( iv_name = `BusinessPartner1` iv_value = lv_partner1 )
      && `,` && member( iv_name = `BusinessPartner2` iv_value = lv_partner2 )
      && `,` && member( iv_name = `RelationshipCategory` iv_value = lv_category ) && `}`.
    rv_json = envelope( iv_id      = iv_id
                        iv_type    = event_type( iv_object_type = gc_object-relationship
                                                 iv_action      = iv_action )
                        iv_subject = |{ lv_partner1 }/{ lv_partner2 }/{ lv_category }|
                        iv_time    = iv_changed_at
                        iv_data    = lv_data ).
  ENDMETHOD.


  METHOD heartbeat.
    DATA lv_data TYPE string.

    lv_data = |\{"PendingEvents":{ iv_pending },"FailedEvents":{ iv_failed }\}|.
    rv_json = envelope( iv_id      = iv_id
                        iv_type    = gc_heartbeat_type
                        iv_subject = ``
                        iv_time    = iv_sent_at
                        iv_data    = lv_data ).
  ENDMETHOD.


  METHOD event_type.
    DATA lv_suffix TYPE string.

    lv_suffix = action_suffix( iv_action ).
    IF lv_suffix IS INITIAL.
      RETURN.
    ENDIF.
    CASE iv_object_type.
      WHEN gc_object-appointment.
        rv_type = |sap.s4.beh.appointment.v1.Appointment.{ lv_suffix }.v1|.
      WHEN gc_object-task.
        rv_type = |sap.s4.beh.task.v1.Task.{ lv_suffix }.v1|.
      WHEN gc_object-business_partner.
        rv_type = |sap.s4.beh.businesspartner.v1.BusinessPartner.{ lv_suffix }.v1|.
      WHEN gc_object-relationship.
        rv_type = |sap.s4.beh.bprelationship.v1.BPRelationship.{ lv_suffix }.v1|.
      WHEN OTHERS.
        CLEAR rv_type.
    ENDCASE.
  ENDMETHOD.


  METHOD action_suffix.
    CASE iv_action.
      WHEN gc_action-created.
        rv_suffix = `Created`.
      WHEN gc_action-changed.
        rv_suffix = `Changed`.
      WHEN gc_action-deleted.
        rv_suffix = `Deleted`.
      WHEN OTHERS.
        CLEAR rv_suffix.
    ENDCASE.
  ENDMETHOD.


  METHOD format_guid.
    DATA lv_hex TYPE string.

    lv_hex = to_lower( iv_guid ).
    rv_guid = |{ lv_hex(8) }-{ lv_hex+8(4) }-{ lv_hex+12(4) }-{ lv_hex+16(4) }-{ lv_hex+20(12) }|.
  ENDMETHOD.


  METHOD format_timestamp.
    DATA lv_digits TYPE n LENGTH 14.

    " A TIMESTAMP's digits are YYYYMMDDhhmmss; the numeric text keeps leading zeros.
    lv_digits = iv_timestamp.
    rv_text = |{ lv_digits(4) }-{ lv_digits+4(2) }-{ lv_digits+6(2) }T{ lv_digits+8(2) }:{ lv_digits+10(2) }:{ lv_digits+12(2) }Z|.
  ENDMETHOD.


  METHOD json_string.
    DATA lv_offset TYPE i.
    DATA lv_length TYPE i.
    DATA lv_char TYPE string.
    DATA lv_out TYPE string.

    " The values are GUIDs, partner numbers and codes; quotes, backslashes and line breaks are
    " still escaped so that no value can break the JSON.
    lv_length = strlen( iv_text ).
    WHILE lv_offset < lv_length.
      " A string, not a character field: a space must survive the concatenation.
      lv_char = substring( val = iv_text off = lv_offset len = 1 ).
      IF lv_char = `"`.
        lv_out = lv_out && `\"`.
      ELSEIF lv_char = `\`.
        lv_out = lv_out && `\\`.
      ELSEIF lv_char = |\n|.
        lv_out = lv_out && `\n`.
      ELSEIF lv_char = |\r|.
        lv_out = lv_out && `\r`.
      ELSEIF lv_char = |\t|.
        lv_out = lv_out && `\t`.
      ELSE.
        lv_out = lv_out && lv_char.
      ENDIF.
      lv_offset = lv_offset + 1.
    ENDWHILE.
    rv_json = `"` && lv_out && `"`.
  ENDMETHOD.


  METHOD member.
    rv_json = json_string( iv_name ) && `:` && json_string( iv_value ).
  ENDMETHOD.


  METHOD envelope.
    rv_json = `{`
      && member( iv_name = `specversion` iv_value = `1.0` ) && `,`
      && member( iv_name = `id` iv_value = iv_id ) && `,`
      && member( iv_name = `source` iv_value = mv_source ) && `,`
      && member( iv_name = `type` iv_value = iv_type ) && `,`
      && member( iv_name = `time` iv_value = format_timestamp( iv_time ) ) && `,`
      && member( iv_name = `datacontenttype` iv_value = `application/json` ).
    IF iv_subject IS NOT INITIAL.
      rv_json = rv_json && `,` && member( iv_name = `subject` iv_value = iv_subject ).
    ENDIF.
    rv_json = rv_json && `,"data":` && iv_data && `}`.
  ENDMETHOD.

ENDCLASS.
