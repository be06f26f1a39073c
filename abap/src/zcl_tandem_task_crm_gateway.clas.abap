"! <p class="shorttext synchronized">Tandem: one-order API for the task service</p>
"! ZIF_TANDEM_TASK_GATEWAY in SAP: CRM_ORDER_READ, CRM_ORDER_MAINTAIN, CRM_ORDER_DELETE and
"! CRM_ORDER_SAVE for tasks (BUS2000125), the search tables for lists, and ZTANDEM_TASKREF for
"! Tandem's external reference. Moves between SAP's one-order structures and ZCL_TANDEM_TASK_MAP's
"! images with MOVE-CORRESPONDING (same field names). Tested in SAP only (database, function modules).
CLASS zcl_tandem_task_crm_gateway DEFINITION PUBLIC FINAL CREATE PUBLIC.

  PUBLIC SECTION.
    INTERFACES zif_tandem_task_gateway.

    CONSTANTS gc_task TYPE crmt_subobject_category_db VALUE 'BUS2000125'.

  PRIVATE SECTION.
    TYPES:
      BEGIN OF ty_reference,
        guid      TYPE zcl_tandem_task_map=>ty_guid,
        reference TYPE string,
      END OF ty_reference,
      ty_references TYPE STANDARD TABLE OF ty_reference WITH DEFAULT KEY.

    "! External references written in this LUW, stored at save
    DATA mt_references TYPE ty_references.

    METHODS to_com
      IMPORTING
        iv_guid         TYPE zcl_tandem_task_map=>ty_guid
        is_maintain     TYPE zcl_tandem_task_map=>ty_maintain
      EXPORTING
        et_orderadm_h   TYPE crmt_orderadm_h_comt
        et_activity_h   TYPE crmt_activity_h_comt
        et_appointment  TYPE crmt_appointment_comt
        et_status       TYPE crmt_status_comt
        et_partner      TYPE crmt_partner_comt
        et_text         TYPE crmt_text_comt
        et_input_fields TYPE crmt_input_field_tab.

    METHODS texts_to_com
      IMPORTING
        iv_guid         TYPE zcl_tandem_task_map=>ty_guid
        iv_handle       TYPE crmt_handle
        is_maintain     TYPE zcl_tandem_task_map=>ty_maintain
      CHANGING
        ct_text         TYPE crmt_text_comt
        ct_input_fields TYPE crmt_input_field_tab.

    METHODS fail
      IMPORTING
        iv_status TYPE i DEFAULT zcx_tandem_task=>gc_status-internal
        iv_text   TYPE string
      RAISING
        zcx_tandem_task.
ENDCLASS.



CLASS zcl_tandem_task_crm_gateway IMPLEMENTATION.

  METHOD zif_tandem_task_gateway~read.
    DATA lt_header_guids TYPE crmt_object_guid_tab.
    DATA lt_orderadm_h TYPE crmt_orderadm_h_wrkt.
    DATA lt_activity_h TYPE crmt_activity_h_wrkt.
    DATA lt_appointment TYPE crmt_appointment_wrkt.
    DATA lt_status TYPE crmt_status_wrkt.
    DATA lt_partner TYPE crmt_partner_external_wrkt.
    DATA lt_text TYPE crmt_text_wrkt.
    DATA ls_order TYPE zcl_tandem_task_map=>ty_order.
    DATA ls_appointment TYPE zcl_tandem_task_map=>ty_appointment.
    DATA ls_status TYPE zcl_tandem_task_map=>ty_status.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_order_partner.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_order_text.
    DATA lv_iso TYPE laiso.

    IF it_guids IS INITIAL.
      RETURN.
    ENDIF.
    lt_header_guids = it_guids.
    CALL FUNCTION 'CRM_ORDER_READ'
      EXPORTING
        it_header_guid       = lt_header_guids
      IMPORTING
        et_orderadm_h        = lt_orderadm_h
        et_activity_h        = lt_activity_h
        et_appointment       = lt_appointment
        et_status            = lt_status
        et_partner           = lt_partner
        et_text              = lt_text
      EXCEPTIONS
        document_not_found   = 1
        error_occurred       = 2
        document_locked      = 3
        no_change_authority  = 4
        no_display_authority = 5
        no_change_allowed    = 6
        OTHERS               = 7.
    IF sy-subrc = 5.
      fail( iv_status = 403 iv_text = `No authorization to display the task (CRM_ORD_PR / CRM_ORD_OP)` ).
    ELSEIF sy-subrc <> 0 AND sy-subrc <> 1.
      fail( iv_text = |CRM_ORDER_READ failed ({ sy-subrc })| ).
    ENDIF.

    LOOP AT lt_orderadm_h ASSIGNING FIELD-SYMBOL(<ls_header>) WHERE object_type = gc_task.
      CLEAR ls_order.
      MOVE-CORRESPONDING <ls_header> TO ls_order-orderadm_h.
      READ TABLE lt_activity_h ASSIGNING FIELD-SYMBOL(<ls_activity>) WITH KEY guid = <ls_header>-guid.
      IF sy-subrc = 0.
        MOVE-CORRESPONDING <ls_activity> TO ls_order-activity_h.
      ENDIF.
      LOOP AT lt_appointment ASSIGNING FIELD-SYMBOL(<ls_appointment>) WHERE ref_guid = <ls_header>-guid.
        MOVE-CORRESPONDING <ls_appointment> TO ls_appointment.
        APPEND ls_appointment TO ls_order-appointments.
      ENDLOOP.
      LOOP AT lt_status ASSIGNING FIELD-SYMBOL(<ls_status>) WHERE guid = <ls_header>-guid.
        MOVE-CORRESPONDING <ls_status> TO ls_status.
        APPEND ls_status TO ls_order-statuses.
      ENDLOOP.
      LOOP AT lt_partner ASSIGNING FIELD-SYMBOL(<ls_partner>) WHERE ref_guid = <ls_header>-guid.
        MOVE-CORRESPONDING <ls_partner> TO ls_partner.
        APPEND ls_partner TO ls_order-partners.
      ENDLOOP.
      LOOP AT lt_text ASSIGNING FIELD-SYMBOL(<ls_text>) WHERE ref_guid = <ls_header>-guid.
        CLEAR ls_text.
        ls_text-tdid = <ls_text>-stxh-tdid.
        CALL FUNCTION 'CONVERSION_EXIT_ISOLA_OUTPUT'
          EXPORTING
            input  = <ls_text>-stxh-tdspras
          IMPORTING
            output = lv_iso.
        ls_text-tdspras_iso = lv_iso.
        MOVE-CORRESPONDING <ls_text>-lines TO ls_text-lines.
        APPEND ls_text TO ls_order-texts.
      ENDLOOP.
      SELECT SINGLE external_ref FROM ztandem_taskref WHERE guid = @<ls_header>-guid
        INTO @ls_order-external_reference.
      READ TABLE mt_references ASSIGNING FIELD-SYMBOL(<ls_reference>) WITH KEY guid = <ls_header>-guid.
      IF sy-subrc = 0.
        ls_order-external_reference = <ls_reference>-reference.
      ENDIF.
      APPEND ls_order TO rt_orders.
    ENDLOOP.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~find_by_reference.
    DATA lt_range TYPE RANGE OF ztandem_taskref-external_ref.

    LOOP AT it_references ASSIGNING FIELD-SYMBOL(<lv_reference>).
      APPEND VALUE #( sign = 'I' option = 'EQ' low = <lv_reference> ) TO lt_range.
    ENDLOOP.
    IF lt_range IS INITIAL.
      RETURN.
    ENDIF.
    SELECT guid FROM ztandem_taskref WHERE external_ref IN @lt_range
      ORDER BY guid
      INTO TABLE @rt_guids.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~find_changed_since.
    SELECT guid FROM crmd_orderadm_h
      WHERE object_type = @gc_task AND changed_at >= @iv_since
      ORDER BY guid
      INTO TABLE @rt_guids.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~first_tasks.
    SELECT guid FROM crmd_orderadm_h
      WHERE object_type = @gc_task
      ORDER BY changed_at, guid
      INTO TABLE @rt_guids
      UP TO @iv_count ROWS.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~find_by_partner.
    " One-order partners: CRMD_PARTNER holds the partner's GUID (BUT000-PARTNER_GUID) under the
    " partner set CRMD_LINK links to the order (set type 07).
    DATA lv_partner TYPE bu_partner.
    DATA lv_partner_guid TYPE bu_partner_guid.
    DATA lv_partner_no TYPE crmt_partner_no.
    DATA lt_functions TYPE RANGE OF crmt_partner_fct.

    lv_partner = zcl_tandem_task_map=>alpha_in( iv_partner ).
    SELECT SINGLE partner_guid FROM but000 WHERE partner = @lv_partner INTO @lv_partner_guid.
    IF sy-subrc <> 0.
      RETURN.
    ENDIF.
    lv_partner_no = lv_partner_guid.
    LOOP AT it_functions ASSIGNING FIELD-SYMBOL(<lv_function>).
      APPEND VALUE #( sign = 'I' option = 'EQ' low = <lv_function> ) TO lt_functions.
    ENDLOOP.
    SELECT DISTINCT l~guid_hi
      FROM crmd_partner AS p
      INNER JOIN crmd_link AS l ON l~guid_set = p~guid
      INNER JOIN crmd_orderadm_h AS h ON h~guid = l~guid_hi
      WHERE p~partner_no = @lv_partner_no
        AND p~partner_fct IN @lt_functions
        AND l~objtype_set = '07'
        AND h~object_type = @gc_task
      ORDER BY l~guid_hi
      INTO TABLE @rt_guids.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~status_profile.
    SELECT SINGLE user_stat_proc FROM crmc_proc_type WHERE process_type = @iv_process_type
      INTO @rv_profile.
    IF sy-subrc <> 0.
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request iv_text = |Unknown process type { iv_process_type }| ).
    ENDIF.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~maintain.
    DATA lt_orderadm_h TYPE crmt_orderadm_h_comt.
    DATA lt_activity_h TYPE crmt_activity_h_comt.
    DATA lt_appointment TYPE crmt_appointment_comt.
    DATA lt_status TYPE crmt_status_comt.
    DATA lt_partner TYPE crmt_partner_comt.
    DATA lt_text TYPE crmt_text_comt.
    DATA lt_input_fields TYPE crmt_input_field_tab.

    to_com( EXPORTING iv_guid         = iv_guid
                      is_maintain     = is_maintain
            IMPORTING et_orderadm_h   = lt_orderadm_h
                      et_activity_h   = lt_activity_h
                      et_appointment  = lt_appointment
                      et_status       = lt_status
                      et_partner      = lt_partner
                      et_text         = lt_text
                      et_input_fields = lt_input_fields ).
    CALL FUNCTION 'CRM_ORDER_MAINTAIN'
      EXPORTING
        it_activity_h     = lt_activity_h
        it_appointment    = lt_appointment
        it_status         = lt_status
        it_partner        = lt_partner
        it_text           = lt_text
      CHANGING
        ct_orderadm_h     = lt_orderadm_h
        ct_input_fields   = lt_input_fields
      EXCEPTIONS
        error_occurred    = 1
        document_locked   = 2
        no_change_allowed = 3
        no_authority      = 4
        OTHERS            = 5.
    CASE sy-subrc.
      WHEN 0.
      WHEN 2.
        fail( iv_status = zcx_tandem_task=>gc_status-conflict iv_text = `The task is locked by another user` ).
      WHEN 4.
        fail( iv_status = 403 iv_text = `No authorization to change the task (CRM_ORD_PR / CRM_ORD_OP)` ).
      WHEN OTHERS.
        fail( iv_status = zcx_tandem_task=>gc_status-bad_request
              iv_text   = |CRM_ORDER_MAINTAIN refused the task ({ sy-subrc }); see the application log of the order| ).
    ENDCASE.
    rv_guid = iv_guid.
    IF rv_guid IS INITIAL.
      READ TABLE lt_orderadm_h ASSIGNING FIELD-SYMBOL(<ls_header>) INDEX 1.
      IF sy-subrc = 0.
        rv_guid = <ls_header>-guid.
      ENDIF.
    ENDIF.
    IF iv_external_reference IS SUPPLIED.
      DELETE mt_references WHERE guid = rv_guid.
      APPEND VALUE #( guid = rv_guid reference = iv_external_reference ) TO mt_references.
    ENDIF.
  ENDMETHOD.


  METHOD to_com.
    DATA lv_handle TYPE crmt_handle.

    CLEAR: et_orderadm_h, et_activity_h, et_appointment, et_status, et_partner, et_text, et_input_fields.
    " A new task is addressed by a handle within the request, an existing one by its GUID.
    IF iv_guid IS INITIAL.
      lv_handle = '0000000001'.
      APPEND VALUE #( handle = lv_handle mode = 'A' process_type = is_maintain-orderadm_h-process_type
                      description = is_maintain-orderadm_h-description ) TO et_orderadm_h.
    ELSE.
      APPEND VALUE #( guid = iv_guid mode = 'B' description = is_maintain-orderadm_h-description ) TO et_orderadm_h.
    ENDIF.
    APPEND VALUE #( ref_guid = iv_guid ref_handle = lv_handle priority = is_maintain-activity_h-priority
                    completion = is_maintain-activity_h-completion private_flag = is_maintain-activity_h-private_flag )
      TO et_activity_h.
    LOOP AT is_maintain-appointments ASSIGNING FIELD-SYMBOL(<ls_appointment>).
      APPEND INITIAL LINE TO et_appointment ASSIGNING FIELD-SYMBOL(<ls_appointment_com>).
      MOVE-CORRESPONDING <ls_appointment> TO <ls_appointment_com>.
      <ls_appointment_com>-ref_guid = iv_guid.
      <ls_appointment_com>-ref_handle = lv_handle.
      <ls_appointment_com>-ref_kind = 'A'.
    ENDLOOP.
    LOOP AT is_maintain-statuses ASSIGNING FIELD-SYMBOL(<ls_status>).
      APPEND INITIAL LINE TO et_status ASSIGNING FIELD-SYMBOL(<ls_status_com>).
      MOVE-CORRESPONDING <ls_status> TO <ls_status_com>.
      <ls_status_com>-ref_guid = iv_guid.
      <ls_status_com>-ref_handle = lv_handle.
      <ls_status_com>-ref_kind = 'A'.
    ENDLOOP.
    LOOP AT is_maintain-partners ASSIGNING FIELD-SYMBOL(<ls_partner>).
      APPEND INITIAL LINE TO et_partner ASSIGNING FIELD-SYMBOL(<ls_partner_com>).
      MOVE-CORRESPONDING <ls_partner> TO <ls_partner_com>.
      <ls_partner_com>-ref_guid = iv_guid.
      <ls_partner_com>-ref_handle = lv_handle.
      <ls_partner_com>-ref_kind = 'A'.
    ENDLOOP.
    texts_to_com( EXPORTING iv_guid = iv_guid iv_handle = lv_handle is_maintain = is_maintain
                  CHANGING ct_text = et_text ct_input_fields = et_input_fields ).
    LOOP AT is_maintain-input_fields ASSIGNING FIELD-SYMBOL(<ls_input>) WHERE objectname <> 'TEXTS'.
      APPEND INITIAL LINE TO et_input_fields ASSIGNING FIELD-SYMBOL(<ls_input_com>).
      <ls_input_com>-ref_guid = iv_guid.
      <ls_input_com>-ref_handle = lv_handle.
      <ls_input_com>-ref_kind = 'A'.
      <ls_input_com>-objectname = <ls_input>-objectname.
      <ls_input_com>-logical_key = <ls_input>-logical_key.
      LOOP AT <ls_input>-field_names ASSIGNING FIELD-SYMBOL(<lv_field>).
        INSERT VALUE #( fieldname = <lv_field> ) INTO TABLE <ls_input_com>-field_names.
      ENDLOOP.
    ENDLOOP.
  ENDMETHOD.


  METHOD texts_to_com.
    " Texts travel with the SAP language key (SPRAS); their logical key is text ID + SPRAS.
    DATA lv_spras TYPE spras.

    LOOP AT is_maintain-texts ASSIGNING FIELD-SYMBOL(<ls_text>).
      CALL FUNCTION 'CONVERSION_EXIT_ISOLA_INPUT'
        EXPORTING
          input            = <ls_text>-tdspras_iso
        IMPORTING
          output           = lv_spras
        EXCEPTIONS
          unknown_language = 1
          OTHERS           = 2.
      IF sy-subrc <> 0.
        lv_spras = sy-langu.
      ENDIF.
      APPEND INITIAL LINE TO ct_text ASSIGNING FIELD-SYMBOL(<ls_text_com>).
      <ls_text_com>-ref_guid = iv_guid.
      <ls_text_com>-ref_handle = iv_handle.
      <ls_text_com>-ref_kind = 'A'.
      <ls_text_com>-tdid = <ls_text>-tdid.
      <ls_text_com>-tdspras = lv_spras.
      <ls_text_com>-tdstyle = 'SYSTEM'.
      <ls_text_com>-tdform = 'SYSTEM'.
      MOVE-CORRESPONDING <ls_text>-lines TO <ls_text_com>-lines.
      APPEND INITIAL LINE TO ct_input_fields ASSIGNING FIELD-SYMBOL(<ls_input_com>).
      <ls_input_com>-ref_guid = iv_guid.
      <ls_input_com>-ref_handle = iv_handle.
      <ls_input_com>-ref_kind = 'A'.
      <ls_input_com>-objectname = 'TEXTS'.
      <ls_input_com>-logical_key = |{ <ls_text>-tdid }{ lv_spras }|.
      INSERT VALUE #( fieldname = 'LINES' ) INTO TABLE <ls_input_com>-field_names.
    ENDLOOP.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~delete.
    CALL FUNCTION 'CRM_ORDER_DELETE'
      EXPORTING
        iv_object_guid = iv_guid
      EXCEPTIONS
        error_occurred = 1
        OTHERS         = 2.
    IF sy-subrc <> 0.
      fail( iv_status = zcx_tandem_task=>gc_status-conflict iv_text = |The task { iv_guid } cannot be deleted| ).
    ENDIF.
    DELETE mt_references WHERE guid = iv_guid.
    DELETE FROM ztandem_taskref WHERE guid = @iv_guid.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~save.
    DATA lt_to_save TYPE crmt_object_guid_tab.
    DATA lt_not_saved TYPE crmt_object_guid_tab.
    DATA lt_saved TYPE crmt_return_objects.
    DATA ls_reference TYPE ztandem_taskref.

    lt_to_save = it_guids.
    CALL FUNCTION 'CRM_ORDER_SAVE'
      EXPORTING
        it_objects_to_save   = lt_to_save
      IMPORTING
        et_saved_objects     = lt_saved
        et_objects_not_saved = lt_not_saved
      EXCEPTIONS
        document_not_saved   = 1
        OTHERS               = 2.
    IF sy-subrc <> 0 OR lt_not_saved IS NOT INITIAL.
      zif_tandem_task_gateway~discard( ).
      fail( iv_status = zcx_tandem_task=>gc_status-bad_request
            iv_text   = `CRM_ORDER_SAVE did not save the task; see the application log of the order` ).
    ENDIF.
    " The external reference is stored in the same LUW as the order.
    LOOP AT mt_references ASSIGNING FIELD-SYMBOL(<ls_reference>).
      ls_reference-guid = <ls_reference>-guid.
      ls_reference-external_ref = <ls_reference>-reference.
      IF ls_reference-external_ref IS INITIAL.
        DELETE FROM ztandem_taskref WHERE guid = @ls_reference-guid.
      ELSE.
        MODIFY ztandem_taskref FROM @ls_reference.
      ENDIF.
    ENDLOOP.
    CLEAR mt_references.
    COMMIT WORK AND WAIT.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~discard.
    CLEAR mt_references.
    ROLLBACK WORK.
    CALL FUNCTION 'CRM_ORDER_INITIALIZE'
      EXPORTING
        iv_initialize_whole_buffer = abap_true
      EXCEPTIONS
        error_occurred             = 1
        OTHERS                     = 2.
    IF sy-subrc <> 0.
      " The buffer is dropped with the session at the latest; nothing was saved.
      RETURN.
    ENDIF.
  ENDMETHOD.


  METHOD fail.
    RAISE EXCEPTION TYPE zcx_tandem_task
      EXPORTING
        iv_status = iv_status
        iv_text   = iv_text.
  ENDMETHOD.

ENDCLASS.
