FUNCTION z_tandem_relatshp_events.
*"----------------------------------------------------------------------
*"*"Local Interface:
*"  TABLES
*"      IT_BEFORE STRUCTURE  BUT050
*"----------------------------------------------------------------------
* Called by ZCL_IM_TANDEM_RELATSHP as a tRFC unit: runs after the BP
* change was committed, with each changed relationship as it was before
* (only RELNR for a new one). Now BUT050 shows the outcome.
  DATA ls_after TYPE but050.
  DATA ls_before TYPE but050.
  DATA lv_action TYPE zcl_tandem_event=>ty_action.

  LOOP AT it_before INTO ls_before.
    SELECT SINGLE * FROM but050 WHERE relnr = @ls_before-relnr
      INTO @ls_after.
    IF sy-subrc <> 0.
      IF ls_before-partner1 IS INITIAL.
        " Created and deleted again before anyone saw it.
        CONTINUE.
      ENDIF.
      lv_action = zcl_tandem_event=>gc_action-deleted.
      ls_after = ls_before.
    ELSEIF ls_before-partner1 IS INITIAL.
      lv_action = zcl_tandem_event=>gc_action-created.
    ELSE.
      lv_action = zcl_tandem_event=>gc_action-changed.
    ENDIF.
    zcl_tandem_outbox=>relationship( iv_action         = lv_action
                                     iv_partner1       = ls_after-partner1
                                     iv_partner2       = ls_after-partner2
                                     iv_category       = ls_after-reltyp
                                     iv_in_update_task = abap_false ).
  ENDLOOP.

ENDFUNCTION.
