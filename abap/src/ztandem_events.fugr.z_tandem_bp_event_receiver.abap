FUNCTION z_tandem_bp_event_receiver.
*"----------------------------------------------------------------------
*"*"Local Interface:
*"  IMPORTING
*"     VALUE(EVENT) LIKE  SWETYPECOU-EVENT
*"     VALUE(RECTYPE) LIKE  SWETYPECOU-RECTYPE
*"     VALUE(OBJTYPE) LIKE  SWETYPECOU-OBJTYPE
*"     VALUE(OBJKEY) LIKE  SWEINSTCOU-OBJKEY
*"     VALUE(EXCEPTIONS_ALLOWED) LIKE  SWEFLAGS-EXC_OK DEFAULT SPACE
*"  EXPORTING
*"     VALUE(REC_ID) LIKE  SWELOG-RECID
*"  TABLES
*"      EVENT_CONTAINER STRUCTURE  SWCONT
*"  EXCEPTIONS
*"      TEMP_ERROR
*"      ANY_ERROR
*"----------------------------------------------------------------------
* Receiver function module of the SWE2 linkages BUS1006 CREATED, CHANGED
* and DELETED (docs/s4-setup.md). The event manager calls it in its own
* tRFC LUW after the partner was saved: the outbox row is written and
* committed with that LUW. The interface is the one of SAP's template
* SWE_TEMPLATE_REC_FB, remote-enabled because tRFC (event delivery
* "Using tRFC") calls only remote-enabled function modules.
  DATA lv_action TYPE zcl_tandem_event=>ty_action.
  DATA lv_partner TYPE zcl_tandem_event=>ty_partner.

  CLEAR rec_id.
  IF objtype <> zcl_tandem_event=>gc_object-business_partner.
    RETURN.
  ENDIF.
  CASE event.
    WHEN 'CREATED'.
      lv_action = zcl_tandem_event=>gc_action-created.
    WHEN 'CHANGED'.
      lv_action = zcl_tandem_event=>gc_action-changed.
    WHEN 'DELETED'.
      lv_action = zcl_tandem_event=>gc_action-deleted.
    WHEN OTHERS.
      RETURN.
  ENDCASE.
  lv_partner = objkey.
  zcl_tandem_outbox=>business_partner( iv_action  = lv_action
                                       iv_partner = lv_partner ).

ENDFUNCTION.
