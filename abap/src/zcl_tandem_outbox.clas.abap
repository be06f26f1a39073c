"! <p class="shorttext synchronized">Tandem: writes events to the outbox</p>
"! Called by the hooks (one-order save, BP event receiver, relationship BAdI). Never calls Tandem:
"! the event goes into ZTANDEM_OUTBOX in the caller's LUW, so a save neither waits for Tandem nor
"! fails when Tandem is down, and a rolled-back save leaves no event. The job ZTANDEM_EVENT_SENDER
"! delivers the outbox. Needs the database: tested in SAP only (the payload rules it uses are
"! unit-tested in ZCL_TANDEM_EVENT).
CLASS zcl_tandem_outbox DEFINITION PUBLIC FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    CONSTANTS:
      BEGIN OF gc_status,
        pending TYPE c LENGTH 1 VALUE 'P',
        sent    TYPE c LENGTH 1 VALUE 'S',
        "! Refused by Tandem on its own; shown by the sender report, resent with ZTANDEM_EVENT_RESEND
        failed  TYPE c LENGTH 1 VALUE 'E',
      END OF gc_status.
    CONSTANTS gc_config_id TYPE c LENGTH 10 VALUE 'DEFAULT'.

    TYPES ty_rows TYPE ztandem_outbox_t.

    "! @parameter iv_in_update_task | abap_true when called inside a dialog LUW (one-order save, BAdI):
    "!   the row is written by the update task together with the business data
    CLASS-METHODS activity
      IMPORTING
        iv_object_type    TYPE zcl_tandem_event=>ty_object_type
        iv_action         TYPE zcl_tandem_event=>ty_action
        iv_guid           TYPE zcl_tandem_event=>ty_guid_hex
        iv_process_type   TYPE csequence
        iv_in_update_task TYPE abap_bool DEFAULT abap_true.

    CLASS-METHODS business_partner
      IMPORTING
        iv_action         TYPE zcl_tandem_event=>ty_action
        iv_partner        TYPE zcl_tandem_event=>ty_partner
        iv_in_update_task TYPE abap_bool DEFAULT abap_false.

    CLASS-METHODS relationship
      IMPORTING
        iv_action         TYPE zcl_tandem_event=>ty_action
        iv_partner1       TYPE zcl_tandem_event=>ty_partner
        iv_partner2       TYPE zcl_tandem_event=>ty_partner
        iv_category       TYPE csequence
        iv_in_update_task TYPE abap_bool DEFAULT abap_true.

    "! Is the object (and for activities the process type) switched on in ZTANDEM_OBJECTS?
    CLASS-METHODS is_active
      IMPORTING
        iv_object_type   TYPE zcl_tandem_event=>ty_object_type
        iv_process_type  TYPE csequence DEFAULT '*'
      RETURNING
        VALUE(rv_active) TYPE abap_bool.

    "! A new outbox row with id, creation time and the built payload
    CLASS-METHODS new_row
      IMPORTING
        iv_object_type TYPE zcl_tandem_event=>ty_object_type
        iv_object_key  TYPE csequence
        iv_event_type  TYPE string
        iv_event_id    TYPE zcl_tandem_event_batch=>ty_event_id
        iv_payload     TYPE string
      RETURNING
        VALUE(rs_row)  TYPE ztandem_outbox.

    CLASS-METHODS new_event_id
      RETURNING
        VALUE(rv_id) TYPE zcl_tandem_event_batch=>ty_event_id.

    CLASS-METHODS builder
      RETURNING
        VALUE(ro_builder) TYPE REF TO zcl_tandem_event.

  PRIVATE SECTION.
    CLASS-METHODS store
      IMPORTING
        is_row            TYPE ztandem_outbox
        iv_in_update_task TYPE abap_bool.

    CLASS-METHODS now
      RETURNING
        VALUE(rv_now) TYPE zcl_tandem_event=>ty_timestamp.
ENDCLASS.



CLASS zcl_tandem_outbox IMPLEMENTATION.

  METHOD activity.
    DATA lv_id TYPE zcl_tandem_event_batch=>ty_event_id.
    DATA lv_type TYPE string.

    IF is_active( iv_object_type  = iv_object_type
                  iv_process_type = iv_process_type ) = abap_false.
      RETURN.
    ENDIF.
    lv_type = zcl_tandem_event=>event_type( iv_object_type = iv_object_type
                                            iv_action      = iv_action ).
    IF lv_type IS INITIAL.
      RETURN.
    ENDIF.
    lv_id = new_event_id( ).
    store( is_row            = new_row( iv_object_type = iv_object_type
                                        iv_object_key  = iv_guid
                                        iv_event_type  = lv_type
                                        iv_event_id    = lv_id
                                        iv_payload     = builder( )->activity( iv_id           = lv_id
                                                                               iv_object_type  = iv_object_type
                                                                               iv_action       = iv_action
                                                                               iv_guid         = iv_guid
                                                                               iv_process_type = iv_process_type
                                                                               iv_changed_at   = now( ) ) )
           iv_in_update_task = iv_in_update_task ).
  ENDMETHOD.


  METHOD business_partner.
    DATA lv_id TYPE zcl_tandem_event_batch=>ty_event_id.

    IF is_active( zcl_tandem_event=>gc_object-business_partner ) = abap_false.
      RETURN.
    ENDIF.
    lv_id = new_event_id( ).
    store( is_row            = new_row( iv_object_type = zcl_tandem_event=>gc_object-business_partner
                                        iv_object_key  = iv_partner
                                        iv_event_type  = zcl_tandem_event=>event_type(
                                                           iv_object_type = zcl_tandem_event=>gc_object-business_partner
                                                           iv_action      = iv_action )
                                        iv_event_id    = lv_id
                                        iv_payload     = builder( )->business_partner( iv_id         = lv_id
                                                                                       iv_action     = iv_action
                                                                                       iv_partner    = iv_partner
                                                                                       iv_changed_at = now( ) ) )
           iv_in_update_task = iv_in_update_task ).
  ENDMETHOD.


  METHOD relationship.
    DATA lv_id TYPE zcl_tandem_event_batch=>ty_event_id.

    IF is_active( iv_object_type  = zcl_tandem_event=>gc_object-relationship
                  iv_process_type = iv_category ) = abap_false.
      RETURN.
    ENDIF.
    lv_id = new_event_id( ).
    " Keyed by the first partner: Tandem serialises relationship work per BusinessPartner1 as well.
    store( is_row            = new_row( iv_object_type = zcl_tandem_event=>gc_object-relationship
                                        iv_object_key  = iv_partner1
                                        iv_event_type  = zcl_tandem_event=>event_type(
                                                           iv_object_type = zcl_tandem_event=>gc_object-relationship
                                                           iv_action      = iv_action )
                                        iv_event_id    = lv_id
                                        iv_payload     = builder( )->relationship( iv_id         = lv_id
                                                                                   iv_action     = iv_action
                                                                                   iv_partner1   = iv_partner1
                                                                                   iv_partner2   = iv_partner2
                                                                                   iv_category   = iv_category
                                                                                   iv_changed_at = now( ) ) )
           iv_in_update_task = iv_in_update_task ).
  ENDMETHOD.


  METHOD is_active.
    DATA lv_active TYPE c LENGTH 1.

    " An entry for the exact process type (or relationship category) wins over the '*' entry.
    SELECT SINGLE active FROM ztandem_objects
      WHERE object_type = @iv_object_type AND process_type = @iv_process_type
      INTO @lv_active.
    IF sy-subrc <> 0.
      SELECT SINGLE active FROM ztandem_objects
        WHERE object_type = @iv_object_type AND process_type = '*'
        INTO @lv_active.
    ENDIF.
    rv_active = boolc( sy-subrc = 0 AND lv_active = abap_true ).
  ENDMETHOD.


  METHOD new_row.
    rs_row-event_id = iv_event_id.
    GET TIME STAMP FIELD rs_row-created_at.
    rs_row-object_type = iv_object_type.
    rs_row-object_key = iv_object_key.
    rs_row-event_type = iv_event_type.
    rs_row-status = gc_status-pending.
    rs_row-payload = iv_payload.
  ENDMETHOD.


  METHOD new_event_id.
    TRY.
        rv_id = cl_system_uuid=>create_uuid_c32_static( ).
      CATCH cx_uuid_error.
        " Practically impossible; a time-based id keeps the event rather than losing it.
        DATA(lv_now) = now( ).
        rv_id = |{ lv_now }{ sy-uname }|.
    ENDTRY.
  ENDMETHOD.


  METHOD builder.
    ro_builder = NEW #( iv_system = sy-sysid
                        iv_client = sy-mandt ).
  ENDMETHOD.


  METHOD store.
    DATA lt_rows TYPE ty_rows.

    IF iv_in_update_task = abap_true.
      APPEND is_row TO lt_rows.
      CALL FUNCTION 'Z_TANDEM_OUTBOX_INSERT' IN UPDATE TASK
        EXPORTING
          it_rows = lt_rows.
    ELSE.
      INSERT ztandem_outbox FROM @is_row.
    ENDIF.
  ENDMETHOD.


  METHOD now.
    GET TIME STAMP FIELD rv_now.
  ENDMETHOD.

ENDCLASS.
