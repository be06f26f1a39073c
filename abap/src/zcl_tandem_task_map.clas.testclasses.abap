"! Runs in SAP (SE80/ADT, ABAP Unit) and in Node through the abaplint transpiler (npm test).
CLASS ltcl_task_map DEFINITION FINAL FOR TESTING RISK LEVEL HARMLESS DURATION SHORT.

  PRIVATE SECTION.
    CONSTANTS lc_guid TYPE zcl_tandem_task_map=>ty_guid VALUE 'D44EAAE1AB6F442CAEB464E2C35497CC'.
    CONSTANTS lc_start TYPE zcl_tandem_task_map=>ty_timestamp VALUE '20261130080000'.
    CONSTANTS lc_due TYPE zcl_tandem_task_map=>ty_timestamp VALUE '20261204160000'.

    METHODS order
      RETURNING
        VALUE(rs_order) TYPE zcl_tandem_task_map=>ty_order.

    METHODS reads_header_and_dates FOR TESTING.
    METHODS reads_user_status_only FOR TESTING.
    METHODS due_only_round_trips FOR TESTING.
    METHODS reads_partners_as_shown FOR TESTING.
    METHODS reads_texts FOR TESTING.
    METHODS create_sets_everything FOR TESTING.
    METHODS change_sets_only_what_changed FOR TESTING.
    METHODS status_needs_profile_key FOR TESTING.
    METHODS partner_maintained_with_key FOR TESTING.
    METHODS partner_deleted_without_fields FOR TESTING.
    METHODS text_lines_round_trip FOR TESTING.
    METHODS long_text_keeps_blanks FOR TESTING.
    METHODS alpha_conversion FOR TESTING.
    METHODS check_names_each_property FOR TESTING.
    METHODS model_has_keys_and_etag FOR TESTING.
ENDCLASS.


CLASS ltcl_task_map IMPLEMENTATION.

  METHOD order.
    DATA ls_appointment TYPE zcl_tandem_task_map=>ty_appointment.
    DATA ls_status TYPE zcl_tandem_task_map=>ty_status.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_order_partner.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_order_text.
    DATA ls_line TYPE zcl_tandem_task_map=>ty_line.

    rs_order-orderadm_h-guid = lc_guid.
    rs_order-orderadm_h-object_id = '5000000123'.
    rs_order-orderadm_h-process_type = 'ZTSK'.
    rs_order-orderadm_h-description = 'Send the offer'.
    rs_order-orderadm_h-created_by = 'ALICE'.
    rs_order-orderadm_h-created_at = '20261120100000'.
    rs_order-orderadm_h-changed_by = 'TANDEM_COMM'.
    rs_order-orderadm_h-changed_at = '20261122091403'.
    rs_order-activity_h-priority = '3'.
    rs_order-activity_h-completion = 40.
    rs_order-activity_h-private_flag = abap_true.
    rs_order-external_reference = 'AAMkAGI2TG93AAA='.
    ls_appointment-appt_type = 'CONTSTART'.
    ls_appointment-timestamp_from = '20260101000000'.
    APPEND ls_appointment TO rs_order-appointments.
    ls_appointment-appt_type = zcl_tandem_task_map=>gc_date_type.
    ls_appointment-timestamp_from = lc_start.
    ls_appointment-timezone_from = 'CET'.
    ls_appointment-timestamp_to = lc_due.
    ls_appointment-timezone_to = 'CET'.
    APPEND ls_appointment TO rs_order-appointments.
    ls_status-status = 'I1002'.
    APPEND ls_status TO rs_order-statuses.
    ls_status-status = 'E0002'.
    ls_status-user_stat_proc = 'CRMACTIV'.
    APPEND ls_status TO rs_order-statuses.
    ls_partner-partner_fct = '00000014'.
    ls_partner-partner_no = 'EMP001'.
    ls_partner-no_type = 'BP'.
    ls_partner-mainpartner = abap_true.
    APPEND ls_partner TO rs_order-partners.
    ls_partner-partner_fct = '00000015'.
    ls_partner-partner_no = '0010200001'.
    ls_partner-mainpartner = abap_false.
    APPEND ls_partner TO rs_order-partners.
    ls_partner-partner_fct = '00000012'.
    ls_partner-partner_no = '50000010'.
    ls_partner-no_type = 'OU'.
    APPEND ls_partner TO rs_order-partners.
    ls_text-tdid = 'A002'.
    ls_text-tdspras_iso = 'EN'.
    ls_line-tdformat = '*'.
    ls_line-tdline = 'Prices as agreed'.
    APPEND ls_line TO ls_text-lines.
    ls_line-tdformat = '*'.
    ls_line-tdline = 'Call Max first'.
    APPEND ls_line TO ls_text-lines.
    APPEND ls_text TO rs_order-texts.
  ENDMETHOD.


  METHOD reads_header_and_dates.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.

    ls_task = zcl_tandem_task_map=>to_task( order( ) ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_uuid exp = lc_guid ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity exp = '5000000123' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_process_type exp = 'ZTSK' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_description exp = 'Send the offer' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-task_start_date_time exp = lc_start ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-task_due_date_time exp = lc_due ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_time_zone exp = 'CET' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_priority exp = '3' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-task_completion_percent exp = 40 ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_is_private exp = abap_true ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-activity_external_reference exp = 'AAMkAGI2TG93AAA=' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-created_by_user exp = 'ALICE' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-last_changed_by_user exp = 'TANDEM_COMM' ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-last_change_date_time exp = '20261122091403' ).
  ENDMETHOD.


  METHOD reads_user_status_only.
    DATA ls_order TYPE zcl_tandem_task_map=>ty_order.

    ls_order = order( ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_task_map=>to_task( ls_order )-activity_status exp = 'E0002' ).
    DELETE ls_order-statuses WHERE status = 'E0002'.
    cl_abap_unit_assert=>assert_initial( zcl_tandem_task_map=>to_task( ls_order )-activity_status ).
  ENDMETHOD.


  METHOD due_only_round_trips.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_changed TYPE zcl_tandem_task_map=>ty_names.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA ls_order TYPE zcl_tandem_task_map=>ty_order.
    DATA ls_appointment TYPE zcl_tandem_task_map=>ty_appointment.

    ls_task-task_due_date_time = lc_due.
    APPEND `TaskStartDateTime` TO lt_changed.
    ls_maintain = zcl_tandem_task_map=>to_maintain( is_task = ls_task it_changed = lt_changed iv_status_profile = 'CRMACTIV' ).
    READ TABLE ls_maintain-appointments INTO ls_appointment INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_appointment-timestamp_from exp = lc_due ).
    cl_abap_unit_assert=>assert_equals( act = ls_appointment-timestamp_to exp = lc_due ).
    cl_abap_unit_assert=>assert_equals( act = ls_appointment-timezone_to exp = 'UTC' ).
    APPEND ls_appointment TO ls_order-appointments.
    ls_task = zcl_tandem_task_map=>to_task( ls_order ).
    cl_abap_unit_assert=>assert_initial( ls_task-task_start_date_time ).
    cl_abap_unit_assert=>assert_equals( act = ls_task-task_due_date_time exp = lc_due ).
  ENDMETHOD.


  METHOD reads_partners_as_shown.
    DATA lt_partners TYPE zcl_tandem_task_map=>ty_partners.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.

    lt_partners = zcl_tandem_task_map=>to_partners( order( ) ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_partners ) exp = 2 ).
    READ TABLE lt_partners INTO ls_partner INDEX 2.
    cl_abap_unit_assert=>assert_equals( act = ls_partner-activity_uuid exp = lc_guid ).
    cl_abap_unit_assert=>assert_equals( act = ls_partner-partner_function exp = '00000015' ).
    cl_abap_unit_assert=>assert_equals( act = ls_partner-business_partner exp = '10200001' ).
    cl_abap_unit_assert=>assert_equals( act = ls_partner-is_main_partner exp = abap_false ).
    READ TABLE lt_partners INTO ls_partner INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_partner-business_partner exp = 'EMP001' ).
    cl_abap_unit_assert=>assert_equals( act = ls_partner-is_main_partner exp = abap_true ).
  ENDMETHOD.


  METHOD reads_texts.
    DATA lt_texts TYPE zcl_tandem_task_map=>ty_texts.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_text.

    lt_texts = zcl_tandem_task_map=>to_texts( order( ) ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_texts ) exp = 1 ).
    READ TABLE lt_texts INTO ls_text INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_text-long_text_id exp = 'A002' ).
    cl_abap_unit_assert=>assert_equals( act = ls_text-language exp = 'EN' ).
    cl_abap_unit_assert=>assert_equals( act = ls_text-long_text exp = |Prices as agreed\nCall Max first| ).
  ENDMETHOD.


  METHOD create_sets_everything.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_none TYPE zcl_tandem_task_map=>ty_names.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA ls_input TYPE zcl_tandem_task_map=>ty_input_field.
    DATA ls_appointment TYPE zcl_tandem_task_map=>ty_appointment.

    ls_task = zcl_tandem_task_map=>to_task( order( ) ).
    ls_maintain = zcl_tandem_task_map=>to_maintain( is_task = ls_task it_changed = lt_none
                                                    iv_status_profile = 'CRMACTIV' iv_create = abap_true ).
    cl_abap_unit_assert=>assert_equals( act = ls_maintain-orderadm_h-process_type exp = 'ZTSK' ).
    cl_abap_unit_assert=>assert_equals( act = ls_maintain-orderadm_h-description exp = 'Send the offer' ).
    cl_abap_unit_assert=>assert_equals( act = ls_maintain-activity_h-priority exp = '3' ).
    cl_abap_unit_assert=>assert_equals( act = ls_maintain-activity_h-completion exp = 40 ).
    cl_abap_unit_assert=>assert_equals( act = ls_maintain-activity_h-private_flag exp = abap_true ).
    READ TABLE ls_maintain-appointments INTO ls_appointment INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_appointment-appt_type exp = 'ORDERPLANNED' ).
    cl_abap_unit_assert=>assert_equals( act = ls_appointment-timestamp_from exp = lc_start ).
    cl_abap_unit_assert=>assert_equals( act = ls_appointment-timestamp_to exp = lc_due ).
    cl_abap_unit_assert=>assert_equals( act = ls_appointment-timezone_from exp = 'CET' ).
    READ TABLE ls_maintain-input_fields INTO ls_input WITH KEY objectname = 'ORDERADM_H'.
    cl_abap_unit_assert=>assert_equals( act = concat_lines_of( table = ls_input-field_names sep = `,` )
                                        exp = `PROCESS_TYPE,DESCRIPTION` ).
    READ TABLE ls_maintain-input_fields INTO ls_input WITH KEY objectname = 'ACTIVITY_H'.
    cl_abap_unit_assert=>assert_equals( act = concat_lines_of( table = ls_input-field_names sep = `,` )
                                        exp = `PRIORITY,COMPLETION,PRIVATE_FLAG` ).
    READ TABLE ls_maintain-input_fields INTO ls_input WITH KEY objectname = 'APPOINTMENT'.
    cl_abap_unit_assert=>assert_equals( act = ls_input-logical_key exp = 'ORDERPLANNED' ).
    cl_abap_unit_assert=>assert_equals( act = concat_lines_of( table = ls_input-field_names sep = `,` )
                                        exp = `TIMESTAMP_FROM,TIMEZONE_FROM,TIMESTAMP_TO,TIMEZONE_TO` ).
  ENDMETHOD.


  METHOD change_sets_only_what_changed.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_changed TYPE zcl_tandem_task_map=>ty_names.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA ls_input TYPE zcl_tandem_task_map=>ty_input_field.

    ls_task = zcl_tandem_task_map=>to_task( order( ) ).
    ls_task-task_completion_percent = 100.
    APPEND `TaskCompletionPercent` TO lt_changed.
    ls_maintain = zcl_tandem_task_map=>to_maintain( is_task = ls_task it_changed = lt_changed iv_status_profile = 'CRMACTIV' ).
    cl_abap_unit_assert=>assert_equals( act = lines( ls_maintain-input_fields ) exp = 1 ).
    READ TABLE ls_maintain-input_fields INTO ls_input INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_input-objectname exp = 'ACTIVITY_H' ).
    cl_abap_unit_assert=>assert_equals( act = concat_lines_of( table = ls_input-field_names sep = `,` ) exp = `COMPLETION` ).
    cl_abap_unit_assert=>assert_equals( act = ls_maintain-activity_h-completion exp = 100 ).
    cl_abap_unit_assert=>assert_initial( ls_maintain-orderadm_h-process_type ).
    cl_abap_unit_assert=>assert_initial( ls_maintain-appointments ).
    cl_abap_unit_assert=>assert_initial( ls_maintain-statuses ).
  ENDMETHOD.


  METHOD status_needs_profile_key.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_changed TYPE zcl_tandem_task_map=>ty_names.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA ls_input TYPE zcl_tandem_task_map=>ty_input_field.
    DATA ls_status TYPE zcl_tandem_task_map=>ty_status.

    ls_task-activity_status = 'E0003'.
    APPEND `ActivityStatus` TO lt_changed.
    ls_maintain = zcl_tandem_task_map=>to_maintain( is_task = ls_task it_changed = lt_changed iv_status_profile = 'CRMACTIV' ).
    READ TABLE ls_maintain-statuses INTO ls_status INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_status-status exp = 'E0003' ).
    cl_abap_unit_assert=>assert_equals( act = ls_status-user_stat_proc exp = 'CRMACTIV' ).
    cl_abap_unit_assert=>assert_equals( act = ls_status-activate exp = abap_true ).
    READ TABLE ls_maintain-input_fields INTO ls_input INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_input-objectname exp = 'STATUS' ).
    cl_abap_unit_assert=>assert_equals( act = ls_input-logical_key exp = 'E0003CRMACTIV' ).
    cl_abap_unit_assert=>assert_equals( act = concat_lines_of( table = ls_input-field_names sep = `,` ) exp = `ACTIVATE` ).
  ENDMETHOD.


  METHOD partner_maintained_with_key.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA ls_order_partner TYPE zcl_tandem_task_map=>ty_order_partner.
    DATA ls_input TYPE zcl_tandem_task_map=>ty_input_field.

    ls_partner-partner_function = '00000014'.
    ls_partner-business_partner = 'EMP001'.
    ls_partner-is_main_partner = abap_true.
    zcl_tandem_task_map=>add_partner( EXPORTING is_partner = ls_partner CHANGING cs_maintain = ls_maintain ).
    ls_partner-partner_function = '00000015'.
    ls_partner-business_partner = '10200001'.
    ls_partner-is_main_partner = abap_false.
    zcl_tandem_task_map=>add_partner( EXPORTING is_partner = ls_partner CHANGING cs_maintain = ls_maintain ).
    READ TABLE ls_maintain-partners INTO ls_order_partner INDEX 2.
    cl_abap_unit_assert=>assert_equals( act = ls_order_partner-ref_partner_handle exp = '0002' ).
    cl_abap_unit_assert=>assert_equals( act = ls_order_partner-partner_no exp = '0010200001' ).
    cl_abap_unit_assert=>assert_equals( act = ls_order_partner-no_type exp = 'BP' ).
    cl_abap_unit_assert=>assert_equals( act = ls_order_partner-display_type exp = 'BP' ).
    cl_abap_unit_assert=>assert_equals( act = ls_order_partner-kind_of_entry exp = 'C' ).
    cl_abap_unit_assert=>assert_equals( act = lines( ls_maintain-input_fields ) exp = 2 ).
    READ TABLE ls_maintain-input_fields INTO ls_input INDEX 2.
    cl_abap_unit_assert=>assert_equals( act = ls_input-objectname exp = 'PARTNER' ).
    cl_abap_unit_assert=>assert_equals( act = ls_input-logical_key exp = `0002` ).
    cl_abap_unit_assert=>assert_equals( act = concat_lines_of( table = ls_input-field_names sep = `,` )
                                        exp = `PARTNER_FCT,PARTNER_NO,DISPLAY_TYPE,NO_TYPE,KIND_OF_ENTRY,MAINPARTNER` ).
  ENDMETHOD.


  METHOD partner_deleted_without_fields.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_maintain TYPE zcl_tandem_task_map=>ty_maintain.
    DATA ls_order_partner TYPE zcl_tandem_task_map=>ty_order_partner.
    DATA ls_input TYPE zcl_tandem_task_map=>ty_input_field.

    ls_partner-partner_function = '00000015'.
    ls_partner-business_partner = '10200001'.
    zcl_tandem_task_map=>add_partner( EXPORTING is_partner = ls_partner iv_delete = abap_true
                                      CHANGING cs_maintain = ls_maintain ).
    READ TABLE ls_maintain-partners INTO ls_order_partner INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_order_partner-ref_partner_no exp = '0010200001' ).
    cl_abap_unit_assert=>assert_initial( ls_order_partner-partner_no ).
    READ TABLE ls_maintain-input_fields INTO ls_input INDEX 1.
    cl_abap_unit_assert=>assert_equals( act = ls_input-objectname exp = 'PARTNER' ).
    cl_abap_unit_assert=>assert_equals( act = strlen( ls_input-logical_key ) exp = 48 ).
    cl_abap_unit_assert=>assert_char_cp( act = ls_input-logical_key exp = '0000000000150010200001*BPBP' ).
    cl_abap_unit_assert=>assert_initial( ls_input-field_names ).
  ENDMETHOD.


  METHOD text_lines_round_trip.
    DATA lv_text TYPE string.
    DATA lt_lines TYPE zcl_tandem_task_map=>ty_lines.
    DATA ls_line TYPE zcl_tandem_task_map=>ty_line.

    lv_text = |First line\r\n\nThird line|.
    lt_lines = zcl_tandem_task_map=>to_lines( lv_text ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_lines ) exp = 3 ).
    READ TABLE lt_lines INTO ls_line INDEX 2.
    cl_abap_unit_assert=>assert_equals( act = ls_line-tdformat exp = '*' ).
    cl_abap_unit_assert=>assert_initial( ls_line-tdline ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_task_map=>from_lines( lt_lines ) exp = |First line\n\nThird line| ).
    cl_abap_unit_assert=>assert_initial( zcl_tandem_task_map=>to_lines( `` ) ).
  ENDMETHOD.


  METHOD long_text_keeps_blanks.
    DATA lv_text TYPE string.
    DATA lt_lines TYPE zcl_tandem_task_map=>ty_lines.
    DATA ls_line TYPE zcl_tandem_task_map=>ty_line.

    " 131 characters and a blank at position 132: the blank must survive the cut at 132 characters.
    lv_text = |{ repeat( val = `a` occ = 131 ) } { repeat( val = `b` occ = 200 ) }|.
    lt_lines = zcl_tandem_task_map=>to_lines( lv_text ).
    cl_abap_unit_assert=>assert_equals( act = lines( lt_lines ) exp = 3 ).
    READ TABLE lt_lines INTO ls_line INDEX 2.
    cl_abap_unit_assert=>assert_equals( act = ls_line-tdformat exp = '=' ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_task_map=>from_lines( lt_lines ) exp = lv_text ).
  ENDMETHOD.


  METHOD alpha_conversion.
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_task_map=>alpha_in( '10200001' ) exp = `0010200001` ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_task_map=>alpha_in( 'EMP001' ) exp = `EMP001` ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_task_map=>alpha_out( '0010200001' ) exp = `10200001` ).
    cl_abap_unit_assert=>assert_equals( act = zcl_tandem_task_map=>alpha_out( 'EMP001' ) exp = `EMP001` ).
  ENDMETHOD.


  METHOD check_names_each_property.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA lt_messages TYPE zcl_tandem_task_map=>ty_names.

    ls_task = zcl_tandem_task_map=>to_task( order( ) ).
    cl_abap_unit_assert=>assert_initial( zcl_tandem_task_map=>check( is_task = ls_task iv_create = abap_true ) ).
    CLEAR ls_task-activity_process_type.
    ls_task-task_completion_percent = 101.
    ls_task-activity_priority = 'H'.
    ls_task-activity_status = 'OPEN'.
    ls_task-task_start_date_time = '20261205000000'.
    lt_messages = zcl_tandem_task_map=>check( is_task = ls_task iv_create = abap_true ).
    cl_abap_unit_assert=>assert_equals(
      act = concat_lines_of( table = lt_messages sep = `|` )
      exp = `ActivityProcessType: required when a task is created|TaskCompletionPercent: 0 to 100|`
         && `ActivityPriority: one digit|ActivityStatus: a user status E0000 to E9999|`
         && `TaskDueDateTime: before TaskStartDateTime` ).
  ENDMETHOD.


  METHOD model_has_keys_and_etag.
    DATA lt_properties TYPE zcl_tandem_task_map=>ty_properties.
    DATA ls_property TYPE zcl_tandem_task_map=>ty_property.

    lt_properties = zcl_tandem_task_map=>model( ).
    READ TABLE lt_properties INTO ls_property WITH KEY entity_set = `TaskActivity` name = `LastChangeDateTime`.
    cl_abap_unit_assert=>assert_equals( act = ls_property-etag exp = abap_true ).
    cl_abap_unit_assert=>assert_equals( act = ls_property-updatable exp = abap_false ).
    READ TABLE lt_properties INTO ls_property WITH KEY entity_set = `TaskActivity` name = `ActivityProcessType`.
    cl_abap_unit_assert=>assert_equals( act = ls_property-creatable exp = abap_true ).
    cl_abap_unit_assert=>assert_equals( act = ls_property-updatable exp = abap_false ).
    READ TABLE lt_properties INTO ls_property WITH KEY entity_set = `TaskActivityText` name = `Language`.
    cl_abap_unit_assert=>assert_equals( act = ls_property-is_key exp = abap_true ).
    cl_abap_unit_assert=>assert_equals(
      act = concat_lines_of( table = zcl_tandem_task_map=>property_names( `TaskActivityPartner` ) sep = `,` )
      exp = `ActivityUUID,PartnerFunction,BusinessPartner,IsMainPartner` ).
  ENDMETHOD.

ENDCLASS.
