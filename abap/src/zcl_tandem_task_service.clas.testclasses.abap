CLASS ltcl_task_service DEFINITION DEFERRED.

"! A one-order API in memory: what ZIF_TANDEM_TASK_GATEWAY promises (buffer, save, discard), without SAP.
"! The test class reads what was maintained and saved.
CLASS ltcl_fake_gateway DEFINITION FINAL FOR TESTING FRIENDS ltcl_task_service.

  PUBLIC SECTION.
    INTERFACES zif_tandem_task_gateway.

  PRIVATE SECTION.
    DATA mt_buffer TYPE zif_tandem_task_gateway=>ty_orders.
    DATA mt_saved TYPE zif_tandem_task_gateway=>ty_orders.
    DATA mt_save_calls TYPE STANDARD TABLE OF zif_tandem_task_gateway=>ty_guids WITH DEFAULT KEY.
    DATA mt_maintained TYPE STANDARD TABLE OF zcl_tandem_task_map=>ty_maintain WITH DEFAULT KEY.
    DATA mv_discarded TYPE i.
    DATA mv_counter TYPE i.
    DATA mv_clock TYPE zcl_tandem_task_map=>ty_timestamp VALUE '20261201080000'.

    METHODS apply
      IMPORTING
        is_maintain TYPE zcl_tandem_task_map=>ty_maintain
      CHANGING
        cs_order    TYPE zcl_tandem_task_map=>ty_order.

    METHODS apply_partners
      IMPORTING
        is_maintain TYPE zcl_tandem_task_map=>ty_maintain
      CHANGING
        cs_order    TYPE zcl_tandem_task_map=>ty_order.

    METHODS has_field
      IMPORTING
        is_maintain    TYPE zcl_tandem_task_map=>ty_maintain
        iv_object      TYPE csequence
        iv_field       TYPE csequence
      RETURNING
        VALUE(rv_true) TYPE abap_bool.
ENDCLASS.


CLASS ltcl_fake_gateway IMPLEMENTATION.

  METHOD zif_tandem_task_gateway~read.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.

    LOOP AT mt_buffer ASSIGNING <ls_order>.
      IF line_exists( it_guids[ table_line = <ls_order>-orderadm_h-guid ] ).
        APPEND <ls_order> TO rt_orders.
      ENDIF.
    ENDLOOP.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~find_by_reference.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.

    LOOP AT mt_buffer ASSIGNING <ls_order>.
      IF line_exists( it_references[ table_line = <ls_order>-external_reference ] ).
        APPEND <ls_order>-orderadm_h-guid TO rt_guids.
      ENDIF.
    ENDLOOP.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~find_changed_since.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.

    LOOP AT mt_buffer ASSIGNING <ls_order> WHERE orderadm_h-changed_at >= iv_since.
      APPEND <ls_order>-orderadm_h-guid TO rt_guids.
    ENDLOOP.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~first_tasks.
    DATA lt_sorted TYPE zif_tandem_task_gateway=>ty_orders.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.

    lt_sorted = mt_buffer.
    SORT lt_sorted BY orderadm_h-changed_at orderadm_h-guid.
    LOOP AT lt_sorted ASSIGNING <ls_order> TO iv_count.
      APPEND <ls_order>-orderadm_h-guid TO rt_guids.
    ENDLOOP.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~find_by_partner.
    DATA lv_partner TYPE string.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.
    FIELD-SYMBOLS <ls_partner> TYPE zcl_tandem_task_map=>ty_order_partner.

    lv_partner = zcl_tandem_task_map=>alpha_in( iv_partner ).
    LOOP AT mt_buffer ASSIGNING <ls_order>.
      LOOP AT <ls_order>-partners ASSIGNING <ls_partner> WHERE partner_no = lv_partner.
        IF it_functions IS INITIAL OR line_exists( it_functions[ table_line = <ls_partner>-partner_fct ] ).
          APPEND <ls_order>-orderadm_h-guid TO rt_guids.
          EXIT.
        ENDIF.
      ENDLOOP.
    ENDLOOP.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~status_profile.
    IF iv_process_type <> 'ZTSK'.
      RAISE EXCEPTION TYPE zcx_tandem_task
        EXPORTING
          iv_status = 400
          iv_text   = |Unknown process type { iv_process_type }|.
    ENDIF.
    rv_profile = `CRMACTIV`.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~maintain.
    DATA ls_order TYPE zcl_tandem_task_map=>ty_order.
    FIELD-SYMBOLS <ls_order> TYPE zcl_tandem_task_map=>ty_order.

    APPEND is_maintain TO mt_maintained.
    rv_guid = iv_guid.
    IF iv_guid IS INITIAL.
      mv_counter = mv_counter + 1.
      rv_guid = |{ mv_counter ALIGN = RIGHT PAD = '0' WIDTH = 32 }|.
      ls_order-orderadm_h-guid = rv_guid.
      ls_order-orderadm_h-object_id = |{ 5000000000 + mv_counter }|.
      ls_order-orderadm_h-process_type = is_maintain-orderadm_h-process_type.
      ls_order-orderadm_h-created_by = 'TANDEM_COMM'.
      ls_order-orderadm_h-created_at = mv_clock.
      APPEND ls_order TO mt_buffer.
    ENDIF.
    READ TABLE mt_buffer ASSIGNING <ls_order> WITH KEY orderadm_h-guid = rv_guid.
    IF sy-subrc <> 0.
      RAISE EXCEPTION TYPE zcx_tandem_task
        EXPORTING
          iv_status = 404
          iv_text   = `no such order`.
    ENDIF.
    apply( EXPORTING is_maintain = is_maintain CHANGING cs_order = <ls_order> ).
    IF iv_external_reference IS SUPPLIED.
      <ls_order>-external_reference = iv_external_reference.
    ENDIF.
  ENDMETHOD.


  METHOD apply.
    DATA ls_status TYPE zcl_tandem_task_map=>ty_status.
    FIELD-SYMBOLS <ls_appointment> TYPE zcl_tandem_task_map=>ty_appointment.
    FIELD-SYMBOLS <ls_text> TYPE zcl_tandem_task_map=>ty_order_text.

    IF has_field( is_maintain = is_maintain iv_object = 'ORDERADM_H' iv_field = 'DESCRIPTION' ) = abap_true.
      cs_order-orderadm_h-description = is_maintain-orderadm_h-description.
    ENDIF.
    IF has_field( is_maintain = is_maintain iv_object = 'ACTIVITY_H' iv_field = 'PRIORITY' ) = abap_true.
      cs_order-activity_h-priority = is_maintain-activity_h-priority.
    ENDIF.
    IF has_field( is_maintain = is_maintain iv_object = 'ACTIVITY_H' iv_field = 'COMPLETION' ) = abap_true.
      cs_order-activity_h-completion = is_maintain-activity_h-completion.
    ENDIF.
    IF has_field( is_maintain = is_maintain iv_object = 'ACTIVITY_H' iv_field = 'PRIVATE_FLAG' ) = abap_true.
      cs_order-activity_h-private_flag = is_maintain-activity_h-private_flag.
    ENDIF.
    LOOP AT is_maintain-appointments ASSIGNING <ls_appointment>.
      DELETE cs_order-appointments WHERE appt_type = <ls_appointment>-appt_type.
      APPEND <ls_appointment> TO cs_order-appointments.
    ENDLOOP.
    LOOP AT is_maintain-statuses INTO ls_status.
      DELETE cs_order-statuses WHERE user_stat_proc = ls_status-user_stat_proc.
      APPEND ls_status TO cs_order-statuses.
    ENDLOOP.
    apply_partners( EXPORTING is_maintain = is_maintain CHANGING cs_order = cs_order ).
    LOOP AT is_maintain-texts ASSIGNING <ls_text>.
      DELETE cs_order-texts WHERE tdid = <ls_text>-tdid AND tdspras_iso = <ls_text>-tdspras_iso.
      IF <ls_text>-lines IS NOT INITIAL.
        APPEND <ls_text> TO cs_order-texts.
      ENDIF.
    ENDLOOP.
    mv_clock = mv_clock + 1.
    cs_order-orderadm_h-changed_at = mv_clock.
    cs_order-orderadm_h-changed_by = 'TANDEM_COMM'.
  ENDMETHOD.


  METHOD apply_partners.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_order_partner.
    FIELD-SYMBOLS <ls_partner> TYPE zcl_tandem_task_map=>ty_order_partner.

    LOOP AT is_maintain-partners ASSIGNING <ls_partner>.
      IF <ls_partner>-ref_partner_fct IS NOT INITIAL.
        DELETE cs_order-partners WHERE partner_fct = <ls_partner>-ref_partner_fct
                                   AND partner_no = <ls_partner>-ref_partner_no.
      ELSE.
        ls_partner = <ls_partner>.
        CLEAR ls_partner-ref_partner_handle.
        APPEND ls_partner TO cs_order-partners.
      ENDIF.
    ENDLOOP.
  ENDMETHOD.


  METHOD has_field.
    FIELD-SYMBOLS <ls_input> TYPE zcl_tandem_task_map=>ty_input_field.

    LOOP AT is_maintain-input_fields ASSIGNING <ls_input> WHERE objectname = iv_object.
      IF line_exists( <ls_input>-field_names[ table_line = iv_field ] ).
        rv_true = abap_true.
        RETURN.
      ENDIF.
    ENDLOOP.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~delete.
    DELETE mt_buffer WHERE orderadm_h-guid = iv_guid.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~save.
    APPEND it_guids TO mt_save_calls.
    mt_saved = mt_buffer.
  ENDMETHOD.


  METHOD zif_tandem_task_gateway~discard.
    mv_discarded = mv_discarded + 1.
    mt_buffer = mt_saved.
  ENDMETHOD.

ENDCLASS.


"! Runs in SAP (SE80/ADT, ABAP Unit) and in Node through the abaplint transpiler (npm test).
CLASS ltcl_task_service DEFINITION FINAL FOR TESTING RISK LEVEL HARMLESS DURATION SHORT.

  PRIVATE SECTION.
    DATA mo_gateway TYPE REF TO ltcl_fake_gateway.
    DATA mo_cut TYPE REF TO zcl_tandem_task_service.

    METHODS setup.
    METHODS new_task
      RETURNING
        VALUE(rs_task) TYPE zcl_tandem_task_service=>ty_deep_task.
    METHODS condition
      IMPORTING
        iv_property         TYPE string
        iv_option           TYPE csequence DEFAULT 'EQ'
        iv_low              TYPE csequence
        iv_sign             TYPE csequence DEFAULT 'I'
      RETURNING
        VALUE(rs_condition) TYPE zcl_tandem_task_service=>ty_condition.
    METHODS status_of
      IMPORTING
        io_error         TYPE REF TO zcx_tandem_task
      RETURNING
        VALUE(rv_status) TYPE i.

    METHODS deep_create_then_read FOR TESTING RAISING zcx_tandem_task.
    METHODS create_refuses_invalid_task FOR TESTING.
    METHODS update_writes_only_changes FOR TESTING RAISING zcx_tandem_task.
    METHODS process_type_is_create_only FOR TESTING RAISING zcx_tandem_task.
    METHODS unknown_task_is_404 FOR TESTING.
    METHODS list_needs_selective_filter FOR TESTING.
    METHODS list_by_external_reference FOR TESTING RAISING zcx_tandem_task.
    METHODS window_filter_with_null FOR TESTING RAISING zcx_tandem_task.
    METHODS changed_since_pages_in_order FOR TESTING RAISING zcx_tandem_task.
    METHODS partners_of_an_employee FOR TESTING RAISING zcx_tandem_task.
    METHODS changeset_saves_once_at_end FOR TESTING RAISING zcx_tandem_task.
    METHODS aborted_changeset_discards FOR TESTING RAISING zcx_tandem_task.
    METHODS main_partner_flag_replaced FOR TESTING RAISING zcx_tandem_task.
    METHODS text_written_and_deleted FOR TESTING RAISING zcx_tandem_task.
    METHODS duplicate_partner_conflicts FOR TESTING RAISING zcx_tandem_task.
    METHODS one_of_each_without_filter FOR TESTING RAISING zcx_tandem_task.
ENDCLASS.


CLASS ltcl_task_service IMPLEMENTATION.

  METHOD setup.
    mo_gateway = NEW #( ).
    mo_cut = NEW #( mo_gateway ).
  ENDMETHOD.


  METHOD new_task.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_text.

    rs_task-activity_process_type = 'ZTSK'.
    rs_task-activity_description = 'Send the offer'.
    rs_task-task_start_date_time = '20261130080000'.
    rs_task-task_due_date_time = '20261204160000'.
    rs_task-activity_time_zone = 'CET'.
    rs_task-activity_status = 'E0001'.
    rs_task-activity_priority = '5'.
    rs_task-activity_external_reference = 'AAMkAGI2TG93AAA='.
    ls_partner-partner_function = '00000014'.
    ls_partner-business_partner = 'EMP001'.
    ls_partner-is_main_partner = abap_true.
    APPEND ls_partner TO rs_task-to_partner.
    ls_partner-partner_function = '00000015'.
    ls_partner-business_partner = '10200001'.
    ls_partner-is_main_partner = abap_false.
    APPEND ls_partner TO rs_task-to_partner.
    ls_text-long_text_id = 'A002'.
    ls_text-language = 'en'.
    ls_text-long_text = |Prices as agreed\nCall Max first|.
    APPEND ls_text TO rs_task-to_text.
  ENDMETHOD.


  METHOD condition.
    rs_condition-property = iv_property.
    rs_condition-sign = iv_sign.
    rs_condition-option = iv_option.
    rs_condition-low = iv_low.
  ENDMETHOD.


  METHOD status_of.
    rv_status = io_error->get_status( ).
  ENDMETHOD.


  METHOD deep_create_then_read.
    DATA ls_created TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_partners TYPE zcl_tandem_task_map=>ty_partners.
    DATA lt_texts TYPE zcl_tandem_task_map=>ty_texts.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_text.
    DATA lt_none TYPE zcl_tandem_task_service=>ty_conditions.

    ls_created = mo_cut->create_task( new_task( ) ).
    cl_abap_unit_assert=>assert_not_initial( ls_created-activity_uuid ).
    cl_abap_unit_assert=>assert_equals( act = ls_created-activity exp = '5000000001' ).
    cl_abap_unit_assert=>assert_equals( act = ls_created-activity_description exp = 'Send the offer' ).
    cl_abap_unit_assert=>assert_equals( act = ls_created-task_due_date_time exp = '20261204160000' ).
    cl_abap_unit_assert=>assert_equals( act = ls_created-activity_status exp = 'E0001' ).
    cl_abap_unit_assert=>assert_equals( act = ls_created-activity_external_reference exp = 'AAMkAGI2TG93AAA=' ).
    cl_abap_unit_assert=>assert_not_initial( ls_created-last_change_date_time ).
    lt_partners = mo_cut->get_partners( it_conditions = lt_none iv_guid = ls_created-activity_uuid ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_partners ) exp = 2 ).
    cl_abap_unit_assert=>assert_equals( act = lt_partners[ 2 ]-business_partner exp = '10200001' ).
    lt_texts = mo_cut->get_texts( ls_created-activity_uuid ).
    READ TABLE lt_texts INTO ls_text INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_text-language exp = 'EN' ).
    cl_abap_unit_assert=>assert_equals( act = ls_text-long_text exp = |Prices as agreed\nCall Max first| ).
    " Header, partners and texts went to the one-order API in one request, saved once.
    cl_abap_unit_assert=>assert_equals( act = lines( mo_gateway->mt_maintained ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_gateway->mt_save_calls ) exp = 1 ).
  ENDMETHOD.


  METHOD create_refuses_invalid_task.
    DATA ls_task TYPE zcl_tandem_task_service=>ty_deep_task.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    ls_task = new_task( ).
    CLEAR ls_task-activity_process_type.
    ls_task-task_completion_percent = 120.
    TRY.
        mo_cut->create_task( ls_task ).
        cl_abap_unit_assert=>fail( `created an invalid task` ).
      CATCH zcx_tandem_task INTO lo_error.
        cl_abap_unit_assert=>assert_equals( act = status_of( lo_error ) exp = 400 ).
        cl_abap_unit_assert=>assert_equals(
          act = lo_error->get_text( )
          exp = `ActivityProcessType: required when a task is created; TaskCompletionPercent: 0 to 100` ).
    ENDTRY.
    cl_abap_unit_assert=>assert_initial( mo_gateway->mt_maintained ).
  ENDMETHOD.


  METHOD update_writes_only_changes.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.

    ls_task = mo_cut->create_task( new_task( ) ).
    ls_task-activity_description = 'Send the revised offer'.
    ls_task-task_completion_percent = 50.
    ls_task = mo_cut->update_task( ls_task ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_description exp = 'Send the revised offer' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-task_completion_percent exp = 50 ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_priority exp = '5' ).
    READ TABLE mo_gateway->mt_maintained INTO ls_maintain INDEX 2.
    cl_abap_unit_assert=>assert_equals( act = lines( ls_maintain-input_fields ) exp = 2 ).
    cl_abap_unit_assert=>assert_initial( ls_maintain-appointments ).
    cl_abap_unit_assert=>assert_initial( ls_maintain-statuses ).
    " Nothing changed: nothing is written.
    mo_cut->update_task( ls_task ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_gateway->mt_maintained ) exp = 2 ).
  ENDMETHOD.


  METHOD process_type_is_create_only.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    ls_task = mo_cut->create_task( new_task( ) ).
    ls_task-activity_process_type = 'ZVIS'.
    TRY.
        mo_cut->update_task( ls_task ).
        cl_abap_unit_assert=>fail( `changed the process type` ).
      CATCH zcx_tandem_task INTO lo_error.
        cl_abap_unit_assert=>assert_equals( act = lo_error->get_text( ) exp = `ActivityProcessType: set on create only` ).
    ENDTRY.
  ENDMETHOD.


  METHOD unknown_task_is_404.
    DATA lo_error TYPE REF TO zcx_tandem_task.
    DATA lv_guid TYPE zcl_tandem_task_map=>ty_guid VALUE 'D44EAAE1AB6F442CAEB464E2C35497CC'.

    TRY.
        mo_cut->get_task( lv_guid ).
        cl_abap_unit_assert=>fail( `read a task that does not exist` ).
      CATCH zcx_tandem_task INTO lo_error.
        cl_abap_unit_assert=>assert_equals( act = status_of( lo_error ) exp = 404 ).
    ENDTRY.
  ENDMETHOD.


  METHOD list_needs_selective_filter.
    DATA lt_conditions TYPE zcl_tandem_task_service=>ty_conditions.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    APPEND condition( iv_property = `ActivityPriority` iv_low = '5' ) TO lt_conditions.
    TRY.
        mo_cut->get_tasks( lt_conditions ).
        cl_abap_unit_assert=>fail( `scanned every task` ).
      CATCH zcx_tandem_task INTO lo_error.
        cl_abap_unit_assert=>assert_equals( act = status_of( lo_error ) exp = 400 ).
    ENDTRY.
  ENDMETHOD.


  METHOD list_by_external_reference.
    DATA lt_conditions TYPE zcl_tandem_task_service=>ty_conditions.
    DATA lt_tasks TYPE zcl_tandem_task_service=>ty_tasks.
    DATA ls_other TYPE zcl_tandem_task_service=>ty_deep_task.

    mo_cut->create_task( new_task( ) ).
    ls_other = new_task( ).
    ls_other-activity_external_reference = 'OTHER'.
    mo_cut->create_task( ls_other ).
    APPEND condition( iv_property = `ActivityExternalReference` iv_low = 'AAMkAGI2TG93AAA=' ) TO lt_conditions.
    lt_tasks = mo_cut->get_tasks( lt_conditions ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_tasks ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = lt_tasks[ 1 ]-activity_external_reference exp = 'AAMkAGI2TG93AAA=' ).
  ENDMETHOD.


  METHOD window_filter_with_null.
    " (ActivityUUID eq a or eq b or eq c) and (TaskDueDateTime ge from or eq null)
    " and (TaskStartDateTime lt to or eq null) — the connector's query for an employee's window.
    DATA ls_task TYPE zcl_tandem_task_service=>ty_deep_task.
    DATA lv_in TYPE zcl_tandem_task_map=>ty_guid.
    DATA lv_no_dates TYPE zcl_tandem_task_map=>ty_guid.
    DATA lv_late TYPE zcl_tandem_task_map=>ty_guid.
    DATA lt_conditions TYPE zcl_tandem_task_service=>ty_conditions.
    DATA lt_tasks TYPE zcl_tandem_task_service=>ty_tasks.
    DATA lv_hex TYPE string.

    ls_task = new_task( ).
    lv_in = mo_cut->create_task( ls_task )-activity_uuid.
    CLEAR: ls_task-task_start_date_time, ls_task-task_due_date_time.
    lv_no_dates = mo_cut->create_task( ls_task )-activity_uuid.
    ls_task-task_start_date_time = '20270105080000'.
    ls_task-task_due_date_time = '20270110080000'.
    lv_late = mo_cut->create_task( ls_task )-activity_uuid.
    lv_hex = lv_in.
    APPEND condition( iv_property = `ActivityUUID` iv_low = lv_hex ) TO lt_conditions.
    lv_hex = lv_no_dates.
    APPEND condition( iv_property = `ActivityUUID` iv_low = lv_hex ) TO lt_conditions.
    lv_hex = lv_late.
    APPEND condition( iv_property = `ActivityUUID` iv_low = lv_hex ) TO lt_conditions.
    APPEND condition( iv_property = `TaskDueDateTime` iv_option = 'GE' iv_low = '20261201000000' ) TO lt_conditions.
    APPEND condition( iv_property = `TaskDueDateTime` iv_low = '' ) TO lt_conditions.
    APPEND condition( iv_property = `TaskStartDateTime` iv_option = 'LT' iv_low = '20270101000000' ) TO lt_conditions.
    APPEND condition( iv_property = `TaskStartDateTime` iv_low = '' ) TO lt_conditions.
    lt_tasks = mo_cut->get_tasks( lt_conditions ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_tasks ) exp = 2 ).
    cl_abap_unit_assert=>assert_equals( act = lt_tasks[ 1 ]-activity_uuid exp = lv_in ).
    cl_abap_unit_assert=>assert_equals( act = lt_tasks[ 2 ]-activity_uuid exp = lv_no_dates ).
  ENDMETHOD.


  METHOD changed_since_pages_in_order.
    DATA lt_conditions TYPE zcl_tandem_task_service=>ty_conditions.
    DATA lt_page TYPE zcl_tandem_task_service=>ty_tasks.
    DATA lv_first TYPE zcl_tandem_task_map=>ty_guid.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.

    ls_task = mo_cut->create_task( new_task( ) ).
    lv_first = ls_task-activity_uuid.
    mo_cut->create_task( new_task( ) ).
    mo_cut->create_task( new_task( ) ).
    " The first task changes last: it moves to the end of the change-time order.
    ls_task-activity_description = 'Changed last'.
    mo_cut->update_task( ls_task ).
    APPEND condition( iv_property = `LastChangeDateTime` iv_option = 'GE' iv_low = '20261201000000' ) TO lt_conditions.
    lt_page = mo_cut->get_tasks( it_conditions = lt_conditions iv_top = 2 iv_skip = 2 ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_page ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = lt_page[ 1 ]-activity_uuid exp = lv_first ).
    lt_page = mo_cut->get_tasks( it_conditions = lt_conditions iv_top = 2 ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_page ) exp = 2 ).
  ENDMETHOD.


  METHOD partners_of_an_employee.
    DATA lt_conditions TYPE zcl_tandem_task_service=>ty_conditions.
    DATA lt_partners TYPE zcl_tandem_task_map=>ty_partners.
    DATA ls_task TYPE zcl_tandem_task_service=>ty_deep_task.

    mo_cut->create_task( new_task( ) ).
    ls_task = new_task( ).
    DELETE ls_task-to_partner WHERE business_partner = 'EMP001'.
    mo_cut->create_task( ls_task ).
    APPEND condition( iv_property = `BusinessPartner` iv_low = 'EMP001' ) TO lt_conditions.
    APPEND condition( iv_property = `PartnerFunction` iv_low = '00000014' ) TO lt_conditions.
    APPEND condition( iv_property = `PartnerFunction` iv_low = '00000032' ) TO lt_conditions.
    lt_partners = mo_cut->get_partners( lt_conditions ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_partners ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = lt_partners[ 1 ]-partner_function exp = '00000014' ).
    cl_abap_unit_assert=>assert_equals( act = lt_partners[ 1 ]-activity_uuid exp = '00000000000000000000000000000001' ).
  ENDMETHOD.


  METHOD changeset_saves_once_at_end.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA lt_saved TYPE zif_tandem_task_gateway=>ty_guids.

    ls_task = mo_cut->create_task( new_task( ) ).
    mo_cut->begin_changeset( ).
    ls_task-activity_description = 'In a changeset'.
    mo_cut->update_task( ls_task ).
    ls_partner-activity_uuid = ls_task-activity_uuid.
    ls_partner-partner_function = '00000032'.
    ls_partner-business_partner = 'EMP002'.
    mo_cut->create_partner( ls_partner ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_gateway->mt_save_calls ) exp = 1 ).
    mo_cut->end_changeset( ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_gateway->mt_save_calls ) exp = 2 ).
    READ TABLE mo_gateway->mt_save_calls INTO lt_saved INDEX 2.
    cl_abap_unit_assert=>assert_equals( act = lines( lt_saved ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = mo_cut->get_task( ls_task-activity_uuid )-activity_description
                                        exp = 'In a changeset' ).
  ENDMETHOD.


  METHOD aborted_changeset_discards.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.

    ls_task = mo_cut->create_task( new_task( ) ).
    mo_cut->begin_changeset( ).
    ls_task-activity_description = 'Never saved'.
    mo_cut->update_task( ls_task ).
    mo_cut->abort_changeset( ).
    cl_abap_unit_assert=>assert_equals( act = mo_gateway->mv_discarded exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_gateway->mt_save_calls ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = mo_cut->get_task( ls_task-activity_uuid )-activity_description
                                        exp = 'Send the offer' ).
  ENDMETHOD.


  METHOD main_partner_flag_replaced.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.

    ls_task = mo_cut->create_task( new_task( ) ).
    ls_partner-activity_uuid = ls_task-activity_uuid.
    ls_partner-partner_function = '00000015'.
    ls_partner-business_partner = '10200001'.
    ls_partner-is_main_partner = abap_true.
    ls_partner = mo_cut->update_partner( ls_partner ).
    cl_abap_unit_assert=>assert_equals( act = ls_partner-is_main_partner exp = abap_true ).
    READ TABLE mo_gateway->mt_maintained INTO ls_maintain INDEX 2.
    cl_abap_unit_assert=>assert_equals( act = lines( ls_maintain-partners ) exp = 2 ).
    cl_abap_unit_assert=>assert_equals( act = ls_maintain-partners[ 1 ]-ref_partner_no exp = '0010200001' ).
    cl_abap_unit_assert=>assert_equals( act = ls_maintain-partners[ 2 ]-mainpartner exp = abap_true ).
  ENDMETHOD.


  METHOD text_written_and_deleted.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_text.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    ls_task = mo_cut->create_task( new_task( ) ).
    ls_text-activity_uuid = ls_task-activity_uuid.
    ls_text-long_text_id = 'A002'.
    ls_text-language = 'EN'.
    ls_text-long_text = `Replaced`.
    cl_abap_unit_assert=>assert_equals( act = mo_cut->write_text( ls_text )-long_text exp = `Replaced` ).
    mo_cut->delete_text( ls_text ).
    cl_abap_unit_assert=>assert_initial( mo_cut->get_texts( ls_task-activity_uuid ) ).
    TRY.
        mo_cut->delete_text( ls_text ).
        cl_abap_unit_assert=>fail( `deleted a text twice` ).
      CATCH zcx_tandem_task INTO lo_error.
        cl_abap_unit_assert=>assert_equals( act = status_of( lo_error ) exp = 404 ).
    ENDTRY.
  ENDMETHOD.


  METHOD duplicate_partner_conflicts.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    ls_task = mo_cut->create_task( new_task( ) ).
    ls_partner-activity_uuid = ls_task-activity_uuid.
    ls_partner-partner_function = '00000014'.
    ls_partner-business_partner = 'EMP001'.
    TRY.
        mo_cut->create_partner( ls_partner ).
        cl_abap_unit_assert=>fail( `added a partner twice` ).
      CATCH zcx_tandem_task INTO lo_error.
        cl_abap_unit_assert=>assert_equals( act = status_of( lo_error ) exp = 409 ).
    ENDTRY.
  ENDMETHOD.

  METHOD one_of_each_without_filter.
    " The S/4 Test reads TaskActivity, TaskActivityPartner and TaskActivityText with $top=1 and no filter.
    DATA lt_none TYPE zcl_tandem_task_service=>ty_conditions.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    mo_cut->create_task( new_task( ) ).
    mo_cut->create_task( new_task( ) ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_cut->get_tasks( it_conditions = lt_none iv_top = 1 ) ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_cut->get_partners( it_conditions = lt_none iv_top = 1 ) ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_cut->get_text_list( it_conditions = lt_none iv_top = 1 ) ) exp = 1 ).
    cl_abap_unit_assert=>assert_equals( act = lines( mo_cut->get_tasks( it_conditions = lt_none iv_top = 5 ) ) exp = 2 ).
    TRY.
        mo_cut->get_tasks( lt_none ).
        cl_abap_unit_assert=>fail( `listed every task` ).
      CATCH zcx_tandem_task INTO lo_error.
        cl_abap_unit_assert=>assert_equals( act = lo_error->get_text( )
                                            exp = `TaskActivity without $filter: give $top (at most 100)` ).
    ENDTRY.
  ENDMETHOD.

ENDCLASS.
