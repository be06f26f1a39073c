"! <p class="shorttext synchronized">Tandem: ZTANDEM_TASK_SRV data provider (DPC_EXT)</p>
"! Gateway's entry points of the task service, kept thin: each one turns Gateway's keys, filter and
"! payload into plain ABAP, calls ZCL_TANDEM_TASK_SERVICE (which holds the rules and is unit-tested)
"! and turns ZCX_TANDEM_TASK into Gateway's business error with its HTTP status. Code-based like the
"! MPC_EXT: no generated DPC class in between. Tested in SAP only (Gateway runtime).
"! <ul><li>MERGE/PATCH: Gateway reads the entity (GET_ENTITY), applies the request and calls UPDATE_ENTITY
"! with the whole entity; it also answers If-Match itself from the ETag property LastChangeDateTime.</li>
"! <li>$batch changesets: CHANGESET_BEGIN accepts any number of operations, CHANGESET_END saves them in one
"! LUW; an operation that fails discards the whole changeset.</li></ul>
CLASS zcl_tandem_task_dpc_ext DEFINITION PUBLIC INHERITING FROM /iwbep/cl_mgw_push_abs_data CREATE PUBLIC.

  PUBLIC SECTION.
    METHODS /iwbep/if_mgw_appl_srv_runtime~get_entityset REDEFINITION.
    METHODS /iwbep/if_mgw_appl_srv_runtime~get_entity REDEFINITION.
    METHODS /iwbep/if_mgw_appl_srv_runtime~create_entity REDEFINITION.
    METHODS /iwbep/if_mgw_appl_srv_runtime~create_deep_entity REDEFINITION.
    METHODS /iwbep/if_mgw_appl_srv_runtime~update_entity REDEFINITION.
    METHODS /iwbep/if_mgw_appl_srv_runtime~delete_entity REDEFINITION.
    METHODS /iwbep/if_mgw_appl_srv_runtime~changeset_begin REDEFINITION.
    METHODS /iwbep/if_mgw_appl_srv_runtime~changeset_end REDEFINITION.

  PRIVATE SECTION.
    DATA mo_service TYPE REF TO zcl_tandem_task_service.
    DATA mv_in_changeset TYPE abap_bool.

    METHODS service
      RETURNING
        VALUE(ro_service) TYPE REF TO zcl_tandem_task_service.

    "! Gateway's filter as select options by OData property name; a filter Gateway could not turn into
    "! select options is refused (501) rather than ignored
    METHODS conditions
      IMPORTING
        iv_entity_set        TYPE string
        it_select_options    TYPE /iwbep/t_mgw_select_option
        iv_filter_string     TYPE string
      RETURNING
        VALUE(rt_conditions) TYPE zcl_tandem_task_service=>ty_conditions
      RAISING
        zcx_tandem_task.

    "! Fills the key fields of a task, partner or text from the request's keys (OData or ABAP names)
    METHODS fill_keys
      IMPORTING
        iv_entity_set TYPE string
        it_key_tab    TYPE /iwbep/t_mgw_name_value_pair
      CHANGING
        cs_record     TYPE any.

    METHODS raise_gateway_error
      IMPORTING
        io_error TYPE REF TO zcx_tandem_task
      RAISING
        /iwbep/cx_mgw_busi_exception.

    CLASS-METHODS property
      IMPORTING
        iv_entity_set      TYPE string
        iv_name            TYPE csequence
      RETURNING
        VALUE(rs_property) TYPE zcl_tandem_task_map=>ty_property.
ENDCLASS.



CLASS zcl_tandem_task_dpc_ext IMPLEMENTATION.

  METHOD service.
    IF mo_service IS NOT BOUND.
      mo_service = NEW #( NEW zcl_tandem_task_crm_gateway( ) ).
    ENDIF.
    ro_service = mo_service.
  ENDMETHOD.


  METHOD /iwbep/if_mgw_appl_srv_runtime~get_entityset.
    DATA lt_conditions TYPE zcl_tandem_task_service=>ty_conditions.
    DATA lt_tasks TYPE zcl_tandem_task_service=>ty_tasks.
    DATA lt_partners TYPE zcl_tandem_task_map=>ty_partners.
    DATA lt_texts TYPE zcl_tandem_task_map=>ty_texts.
    DATA ls_parent TYPE zcl_tandem_task_map=>ty_task.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    TRY.
        IF iv_source_name = zcl_tandem_task_map=>gc_entity_set-task AND iv_entity_set_name <> iv_source_name.
          " Navigation (or $expand) from a task: TaskActivity(guid'…')/to_Partner or /to_Text.
          fill_keys( EXPORTING iv_entity_set = iv_source_name it_key_tab = it_key_tab CHANGING cs_record = ls_parent ).
        ELSE.
          lt_conditions = conditions( iv_entity_set     = iv_entity_set_name
                                      it_select_options = io_tech_request_context->get_filter( )->get_filter_select_options( )
                                      iv_filter_string  = iv_filter_string ).
        ENDIF.
        CASE iv_entity_set_name.
          WHEN zcl_tandem_task_map=>gc_entity_set-task.
            lt_tasks = service( )->get_tasks( it_conditions = lt_conditions iv_top = is_paging-top iv_skip = is_paging-skip ).
            copy_data_to_ref( EXPORTING is_data = lt_tasks CHANGING cr_data = er_entityset ).
          WHEN zcl_tandem_task_map=>gc_entity_set-partner.
            lt_partners = service( )->get_partners( it_conditions = lt_conditions iv_guid = ls_parent-activity_uuid
                                                    iv_top = is_paging-top ).
            copy_data_to_ref( EXPORTING is_data = lt_partners CHANGING cr_data = er_entityset ).
          WHEN zcl_tandem_task_map=>gc_entity_set-text.
            IF ls_parent-activity_uuid IS INITIAL.
              lt_texts = service( )->get_text_list( it_conditions = lt_conditions iv_top = is_paging-top ).
            ELSE.
              lt_texts = service( )->get_texts( ls_parent-activity_uuid ).
            ENDIF.
            copy_data_to_ref( EXPORTING is_data = lt_texts CHANGING cr_data = er_entityset ).
        ENDCASE.
      CATCH zcx_tandem_task INTO lo_error.
        raise_gateway_error( lo_error ).
    ENDTRY.
  ENDMETHOD.


  METHOD /iwbep/if_mgw_appl_srv_runtime~get_entity.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_text.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    TRY.
        CASE iv_entity_set_name.
          WHEN zcl_tandem_task_map=>gc_entity_set-task.
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_task ).
            ls_task = service( )->get_task( ls_task-activity_uuid ).
            copy_data_to_ref( EXPORTING is_data = ls_task CHANGING cr_data = er_entity ).
          WHEN zcl_tandem_task_map=>gc_entity_set-partner.
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_partner ).
            ls_partner = service( )->get_partner( ls_partner ).
            copy_data_to_ref( EXPORTING is_data = ls_partner CHANGING cr_data = er_entity ).
          WHEN zcl_tandem_task_map=>gc_entity_set-text.
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_text ).
            ls_text = service( )->get_text( ls_text ).
            copy_data_to_ref( EXPORTING is_data = ls_text CHANGING cr_data = er_entity ).
        ENDCASE.
      CATCH zcx_tandem_task INTO lo_error.
        raise_gateway_error( lo_error ).
    ENDTRY.
  ENDMETHOD.


  METHOD /iwbep/if_mgw_appl_srv_runtime~create_entity.
    DATA ls_task TYPE zcl_tandem_task_service=>ty_deep_task.
    DATA ls_created TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_text.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    TRY.
        CASE iv_entity_set_name.
          WHEN zcl_tandem_task_map=>gc_entity_set-task.
            io_data_provider->read_entry_data( IMPORTING es_data = ls_task ).
            ls_created = service( )->create_task( ls_task ).
            copy_data_to_ref( EXPORTING is_data = ls_created CHANGING cr_data = er_entity ).
          WHEN zcl_tandem_task_map=>gc_entity_set-partner.
            io_data_provider->read_entry_data( IMPORTING es_data = ls_partner ).
            " POST TaskActivity(guid'…')/to_Partner: the task's key comes from the path.
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_partner ).
            ls_partner = service( )->create_partner( ls_partner ).
            copy_data_to_ref( EXPORTING is_data = ls_partner CHANGING cr_data = er_entity ).
          WHEN zcl_tandem_task_map=>gc_entity_set-text.
            io_data_provider->read_entry_data( IMPORTING es_data = ls_text ).
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_text ).
            ls_text = service( )->write_text( ls_text ).
            copy_data_to_ref( EXPORTING is_data = ls_text CHANGING cr_data = er_entity ).
        ENDCASE.
      CATCH zcx_tandem_task INTO lo_error.
        raise_gateway_error( lo_error ).
    ENDTRY.
  ENDMETHOD.


  METHOD /iwbep/if_mgw_appl_srv_runtime~create_deep_entity.
    DATA ls_task TYPE zcl_tandem_task_service=>ty_deep_task.
    DATA ls_created TYPE zcl_tandem_task_service=>ty_deep_task.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    TRY.
        io_data_provider->read_entry_data( IMPORTING es_data = ls_task ).
        MOVE-CORRESPONDING service( )->create_task( ls_task ) TO ls_created.
        ls_created-to_partner = service( )->get_partners( it_conditions = VALUE #( ) iv_guid = ls_created-activity_uuid ).
        ls_created-to_text = service( )->get_texts( ls_created-activity_uuid ).
        copy_data_to_ref( EXPORTING is_data = ls_created CHANGING cr_data = er_deep_entity ).
      CATCH zcx_tandem_task INTO lo_error.
        raise_gateway_error( lo_error ).
    ENDTRY.
  ENDMETHOD.


  METHOD /iwbep/if_mgw_appl_srv_runtime~update_entity.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_text.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    TRY.
        CASE iv_entity_set_name.
          WHEN zcl_tandem_task_map=>gc_entity_set-task.
            io_data_provider->read_entry_data( IMPORTING es_data = ls_task ).
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_task ).
            ls_task = service( )->update_task( ls_task ).
            copy_data_to_ref( EXPORTING is_data = ls_task CHANGING cr_data = er_entity ).
          WHEN zcl_tandem_task_map=>gc_entity_set-partner.
            io_data_provider->read_entry_data( IMPORTING es_data = ls_partner ).
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_partner ).
            ls_partner = service( )->update_partner( ls_partner ).
            copy_data_to_ref( EXPORTING is_data = ls_partner CHANGING cr_data = er_entity ).
          WHEN zcl_tandem_task_map=>gc_entity_set-text.
            io_data_provider->read_entry_data( IMPORTING es_data = ls_text ).
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_text ).
            ls_text = service( )->write_text( ls_text ).
            copy_data_to_ref( EXPORTING is_data = ls_text CHANGING cr_data = er_entity ).
        ENDCASE.
      CATCH zcx_tandem_task INTO lo_error.
        raise_gateway_error( lo_error ).
    ENDTRY.
  ENDMETHOD.


  METHOD /iwbep/if_mgw_appl_srv_runtime~delete_entity.
    DATA ls_task TYPE zcl_tandem_task_map=>ty_task.
    DATA ls_partner TYPE zcl_tandem_task_map=>ty_partner.
    DATA ls_text TYPE zcl_tandem_task_map=>ty_text.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    TRY.
        CASE iv_entity_set_name.
          WHEN zcl_tandem_task_map=>gc_entity_set-task.
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_task ).
            service( )->delete_task( ls_task-activity_uuid ).
          WHEN zcl_tandem_task_map=>gc_entity_set-partner.
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_partner ).
            service( )->delete_partner( ls_partner ).
          WHEN zcl_tandem_task_map=>gc_entity_set-text.
            fill_keys( EXPORTING iv_entity_set = iv_entity_set_name it_key_tab = it_key_tab CHANGING cs_record = ls_text ).
            service( )->delete_text( ls_text ).
        ENDCASE.
      CATCH zcx_tandem_task INTO lo_error.
        raise_gateway_error( lo_error ).
    ENDTRY.
  ENDMETHOD.


  METHOD /iwbep/if_mgw_appl_srv_runtime~changeset_begin.
    " Gateway's default refuses changesets of more than one operation; the task service takes any number
    " and saves them together in CHANGESET_END (no defer mode: operations run in the order sent).
    mv_in_changeset = abap_true.
    service( )->begin_changeset( ).
  ENDMETHOD.


  METHOD /iwbep/if_mgw_appl_srv_runtime~changeset_end.
    DATA lo_error TYPE REF TO zcx_tandem_task.

    mv_in_changeset = abap_false.
    TRY.
        service( )->end_changeset( ).
      CATCH zcx_tandem_task INTO lo_error.
        raise_gateway_error( lo_error ).
    ENDTRY.
  ENDMETHOD.


  METHOD conditions.
    DATA ls_condition TYPE zcl_tandem_task_service=>ty_condition.
    DATA ls_property TYPE zcl_tandem_task_map=>ty_property.
    FIELD-SYMBOLS <ls_select_option> TYPE /iwbep/s_mgw_select_option.
    FIELD-SYMBOLS <ls_range> TYPE /iwbep/s_cod_select_option.

    IF it_select_options IS INITIAL AND iv_filter_string IS NOT INITIAL.
      RAISE EXCEPTION TYPE zcx_tandem_task
        EXPORTING
          iv_status = zcx_tandem_task=>gc_status-not_implemented
          iv_text   = |This $filter on { iv_entity_set } cannot be evaluated (not expressible as select options)|.
    ENDIF.
    LOOP AT it_select_options ASSIGNING <ls_select_option>.
      ls_property = property( iv_entity_set = iv_entity_set iv_name = <ls_select_option>-property ).
      IF ls_property IS INITIAL.
        RAISE EXCEPTION TYPE zcx_tandem_task
          EXPORTING
            iv_status = zcx_tandem_task=>gc_status-bad_request
            iv_text   = |{ iv_entity_set } has no property { <ls_select_option>-property }|.
      ENDIF.
      LOOP AT <ls_select_option>-select_options ASSIGNING <ls_range>.
        ls_condition-property = ls_property-name.
        ls_condition-sign = <ls_range>-sign.
        ls_condition-option = <ls_range>-option.
        ls_condition-low = <ls_range>-low.
        ls_condition-high = <ls_range>-high.
        IF ls_property-edm_type = `Edm.Guid`.
          " GUIDs may come as 36 characters with dashes; the one-order key is 32 hex digits.
          ls_condition-low = to_upper( replace( val = ls_condition-low sub = `-` with = `` occ = 0 ) ).
        ENDIF.
        APPEND ls_condition TO rt_conditions.
      ENDLOOP.
    ENDLOOP.
  ENDMETHOD.


  METHOD fill_keys.
    DATA ls_property TYPE zcl_tandem_task_map=>ty_property.
    DATA lv_value TYPE string.
    FIELD-SYMBOLS <ls_key> TYPE /iwbep/s_mgw_name_value_pair.
    FIELD-SYMBOLS <lv_field> TYPE any.

    LOOP AT it_key_tab ASSIGNING <ls_key>.
      ls_property = property( iv_entity_set = iv_entity_set iv_name = <ls_key>-name ).
      IF ls_property IS INITIAL.
        CONTINUE.
      ENDIF.
      ASSIGN COMPONENT ls_property-abap_field OF STRUCTURE cs_record TO <lv_field>.
      IF sy-subrc <> 0.
        CONTINUE.
      ENDIF.
      lv_value = <ls_key>-value.
      IF ls_property-edm_type = `Edm.Guid`.
        lv_value = to_upper( replace( val = lv_value sub = `-` with = `` occ = 0 ) ).
      ENDIF.
      <lv_field> = lv_value.
    ENDLOOP.
  ENDMETHOD.


  METHOD property.
    " Gateway names properties by their OData name (it_key_tab, it_filter_select_options) or by their
    " ABAP field (technical request context): both are accepted.
    DATA lt_properties TYPE zcl_tandem_task_map=>ty_properties.
    FIELD-SYMBOLS <ls_property> TYPE zcl_tandem_task_map=>ty_property.

    lt_properties = zcl_tandem_task_map=>model( ).
    LOOP AT lt_properties ASSIGNING <ls_property> WHERE entity_set = iv_entity_set.
      IF <ls_property>-name = iv_name OR <ls_property>-abap_field = to_upper( iv_name ).
        rs_property = <ls_property>.
        RETURN.
      ENDIF.
    ENDLOOP.
  ENDMETHOD.


  METHOD raise_gateway_error.
    DATA lv_status TYPE /iwbep/mgw_http_status_code.
    DATA lv_message TYPE bapi_msg.

    " Inside a changeset one failed operation fails all of them: nothing maintained so far is kept.
    IF mv_in_changeset = abap_true.
      service( )->abort_changeset( ).
      mv_in_changeset = abap_false.
    ENDIF.
    lv_status = io_error->get_status( ).
    lv_message = io_error->get_text( ).
    RAISE EXCEPTION TYPE /iwbep/cx_mgw_busi_exception
      EXPORTING
        textid           = /iwbep/cx_mgw_busi_exception=>business_error
        message          = lv_message
        http_status_code = lv_status
        previous         = io_error.
  ENDMETHOD.

ENDCLASS.
