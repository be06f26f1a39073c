"! <p class="shorttext synchronized">Tandem: relationship changes (BAdI BUPA_RELATSHP_UPDATE)</p>
"! SAP raises no workflow event when a business partner relationship changes, so this classic BAdI
"! implementation (ZTANDEM_RELATSHP, SE19) passes the changed relationships to
"! Z_TANDEM_RELATSHP_EVENTS, a tRFC unit that runs once the change is committed: only then does BUT050
"! tell a new relationship from a changed or deleted one. The state before the change is handed over
"! because a deleted relationship is gone by then. Tested in SAP only (reads BUT050).
CLASS zcl_im_tandem_relatshp DEFINITION PUBLIC FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    INTERFACES if_ex_bupa_relatshp_update.
ENDCLASS.



CLASS zcl_im_tandem_relatshp IMPLEMENTATION.

  METHOD if_ex_bupa_relatshp_update~change_before_update.
    DATA lt_before TYPE STANDARD TABLE OF but050 WITH DEFAULT KEY.
    DATA ls_before TYPE but050.

    IF zcl_tandem_outbox=>is_active( zcl_tandem_event=>gc_object-relationship ) = abap_false.
      RETURN.
    ENDIF.
    " IT_CHANGED_INSTANCES: the relationship numbers (BU_RELNR) changed in this LUW.
    LOOP AT it_changed_instances ASSIGNING FIELD-SYMBOL(<lv_relnr>).
      SELECT SINGLE * FROM but050 WHERE relnr = @<lv_relnr>
        INTO @ls_before.
      IF sy-subrc <> 0.
        " New: only the number is known yet.
        CLEAR ls_before.
        ls_before-relnr = <lv_relnr>.
      ENDIF.
      APPEND ls_before TO lt_before.
    ENDLOOP.
    IF lt_before IS INITIAL.
      RETURN.
    ENDIF.
    CALL FUNCTION 'Z_TANDEM_RELATSHP_EVENTS' IN BACKGROUND TASK AS SEPARATE UNIT
      TABLES
        it_before = lt_before.
  ENDMETHOD.

ENDCLASS.
