FUNCTION z_tandem_order_save_event.
*"----------------------------------------------------------------------
*"*"Local Interface:
*"  IMPORTING
*"     VALUE(IV_HEADER_GUID) TYPE  CRMT_OBJECT_GUID OPTIONAL
*"     VALUE(IV_OBJECT_GUID) TYPE  CRMT_OBJECT_GUID OPTIONAL
*"     VALUE(IV_OBJECT_NAME) TYPE  CRMT_OBJECT_NAME OPTIONAL
*"     VALUE(IV_EVENT_EXETIME) TYPE  CRMT_EVENT_EXETIME OPTIONAL
*"     VALUE(IV_EVENT) TYPE  CRMT_EVENT OPTIONAL
*"----------------------------------------------------------------------
* Registered in CRMV_FUNC_ASSIGN and CRMV_EVENT (docs/s4-setup.md) for
* BUS2000126 and BUS2000125, object ORDERADM_H, events SAVE and DELETE,
* "call callback with header GUID". Runs inside the one-order save: it
* only queues the event (update task), it never calls Tandem.
  DATA ls_orderadm_h TYPE crmt_orderadm_h_wrk.
  DATA lv_guid TYPE zcl_tandem_event=>ty_guid_hex.
  DATA lv_action TYPE zcl_tandem_event=>ty_action.
  DATA lv_object_type TYPE zcl_tandem_event=>ty_object_type.

  IF iv_header_guid IS INITIAL.
    RETURN.
  ENDIF.
  CALL FUNCTION 'CRM_ORDERADM_H_READ_OW'
    EXPORTING
      iv_orderadm_h_guid     = iv_header_guid
    IMPORTING
      es_orderadm_h_wrk      = ls_orderadm_h
    EXCEPTIONS
      admin_header_not_found = 1
      OTHERS                 = 2.
  IF sy-subrc <> 0.
    " A document being deleted may be gone from the object buffer already;
    " its row is still on the database until the update task runs.
    SELECT SINGLE object_type, process_type FROM crmd_orderadm_h
      WHERE guid = @iv_header_guid
      INTO CORRESPONDING FIELDS OF @ls_orderadm_h.
    IF sy-subrc <> 0.
      RETURN.
    ENDIF.
  ENDIF.
  lv_object_type = ls_orderadm_h-object_type.
  IF lv_object_type <> zcl_tandem_event=>gc_object-appointment AND lv_object_type <> zcl_tandem_event=>gc_object-task.
    RETURN.
  ENDIF.

  IF iv_event = 'DELETE'.
    lv_action = zcl_tandem_event=>gc_action-deleted.
  ELSE.
    " Before the update task has run, a new document is not on the database yet.
    SELECT SINGLE @abap_true FROM crmd_orderadm_h WHERE guid = @iv_header_guid
      INTO @DATA(lv_exists).
    IF sy-subrc = 0 AND lv_exists = abap_true.
      lv_action = zcl_tandem_event=>gc_action-changed.
    ELSE.
      lv_action = zcl_tandem_event=>gc_action-created.
    ENDIF.
  ENDIF.

  lv_guid = iv_header_guid.
  zcl_tandem_outbox=>activity( iv_object_type  = lv_object_type
                               iv_action       = lv_action
                               iv_guid         = lv_guid
                               iv_process_type = ls_orderadm_h-process_type ).

ENDFUNCTION.
